import type { RequestFailure } from './events.ts';

/**
 * Why the origin side of a request failed, from http-mitm-proxy's error kind and Node's error
 * code: what the box records and which gateway page (502 or 504) the client gets.
 */
export function originFailure(kind: string, code: string, message: string, timedOut: boolean): RequestFailure {
  if (timedOut) return 'origin-timeout';
  if (kind === 'PROXY_TO_SERVER_REQUEST_ERROR' && /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT)$/.test(code))
    return 'origin-unreachable';
  if (/ECONNRESET|EPIPE|ERR_STREAM_PREMATURE_CLOSE/.test(code) || /aborted|socket hang up/.test(message)) return 'origin-reset';
  return 'origin-error';
}
