/** Errors of the Chromium client: a stable code and a sentence a student understands. */

type ChromiumErrorCode = 'TLSLAB_CHROMIUM_MISSING' | 'TLSLAB_CHROMIUM_CRLSET_NOT_LOADED' | 'TLSLAB_CHROMIUM_LAUNCH';

export class ChromiumClientError extends Error {
  constructor(
    readonly code: ChromiumErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChromiumClientError';
  }
}

export function chromiumMissing(what: string): ChromiumClientError {
  return new ChromiumClientError('TLSLAB_CHROMIUM_MISSING', `Chromium is not installed: apt-get install chromium libnss3-tools (${what} was not found)`);
}
