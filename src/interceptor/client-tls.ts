/**
 * The client half of an intercepted connection: the box ends the client's TLS itself, with the
 * forged certificate's context, on the very socket it accepted (no second listener, no hop over
 * loopback), and says how the handshake ended. Only the client's own alert about the
 * certificate is a refusal; a connection cut before or during the handshake is a cut, because
 * nothing shows that the client looked at the certificate at all.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { ClientTlsFailure } from './events.ts';

type HandshakeEnd = { ok: true; tls: TLSSocket; protocol: string | null; cipher: string | null } | { ok: false; failure: ClientTlsFailure; message: string };

export function terminateClientTls(
  raw: Socket,
  head: Buffer,
  context: SecureContext,
  opts: { timeoutMs: number; onKeylog: (line: Buffer) => void },
): Promise<HandshakeEnd> {
  // The ClientHello was read off the socket to learn the SNI: put it back for OpenSSL.
  raw.unshift(head);
  const tls = new TLSSocket(raw, { isServer: true, secureContext: context });
  tls.on('keylog', opts.onKeylog);
  return new Promise((resolve) => {
    const sentBefore = raw.bytesWritten;
    let settled = false;
    const settle = (end: HandshakeEnd) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tls.off('secure', onSecure);
      tls.off('close', onClose);
      if (!end.ok) tls.destroy();
      resolve(end);
    };
    const timer = setTimeout(
      () => settle({ ok: false, failure: 'handshake-timeout', message: `the handshake did not finish within ${opts.timeoutMs} ms` }),
      opts.timeoutMs,
    );
    const onSecure = () => settle({ ok: true, tls, protocol: tls.getProtocol(), cipher: tls.getCipher()?.standardName ?? null });
    const onClose = () => {
      const certificateSent = raw.bytesWritten > sentBefore;
      settle(
        certificateSent
          ? {
              ok: false,
              failure: 'closed-during-handshake',
              message: 'the client hung up during the handshake, after the forged certificate was sent, without an alert',
            }
          : { ok: false, failure: 'cut-before-certificate', message: 'the connection was cut before the box could answer the ClientHello' },
      );
    };
    tls.once('secure', onSecure);
    tls.once('close', onClose);
    tls.on('error', (err: Error & { code?: string }) => settle({ ok: false, failure: classifyHandshakeError(err), message: handshakeErrorSentence(err) }));
  });
}

/**
 * OpenSSL's error for an alert the client sent ("…:tlsv1 alert unknown ca:…:SSL alert number
 * 48\n") as a sentence a student reads: the alert's name and number (RFC 8446 6.2).
 */
function handshakeErrorSentence(err: Error): string {
  const [, name, number] = /alert ([a-z ]+?):.*SSL alert number (\d+)/s.exec(err.message) ?? [];
  if (name && number) return `the client sent the alert "${name.trim()}" (${number})`;
  return err.message.trim().replace(/^[0-9A-F]+:error:[0-9A-F]+:/, '');
}

/** What a failed TLS handshake on the client side means (OpenSSL's alert texts, RFC 8446 6.2). */
function classifyHandshakeError(err: Error & { code?: string }): ClientTlsFailure {
  const text = `${err.code ?? ''} ${err.message}`.toLowerCase();
  if (
    /alert (unknown ca|bad certificate|certificate unknown|certificate revoked|unsupported certificate|certificate expired|access denied|decrypt error)|alert_unknown_ca|alert_bad_certificate|alert_certificate|alert_access_denied|alert_decrypt_error/.test(
      text,
    )
  ) {
    return 'cert-rejected';
  }
  if (/econnreset|socket hang up|disconnected before secure/.test(text)) return 'closed-during-handshake';
  return 'other';
}
