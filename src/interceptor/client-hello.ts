/**
 * Peek at a connection's first TLS record to learn the SNI, without consuming it: the bytes
 * are handed on untouched (to the splice or to http-mitm-proxy as the CONNECT head).
 */
import type { Socket } from 'node:net';
import { calculateJa4, getExtensionData, NonTlsError, readTlsClientHello } from 'read-tls-client-hello';

export interface PeekedHello {
  /** null when the ClientHello carries no SNI (or could not be parsed). */
  sni: string | null;
  ja4: string | null;
  /** Every byte read so far: replay it to whoever takes the connection. */
  head: Buffer;
}

export class NotTlsError extends Error {
  readonly code = 'TLSLAB_NOT_TLS';
  constructor(
    readonly head: Buffer,
    reason: string,
  ) {
    super(
      head.length > 0
        ? `not a TLS ClientHello (first bytes ${JSON.stringify(head.subarray(0, 16).toString('latin1'))})`
        : `no complete TLS ClientHello: ${reason}`,
    );
  }
}

export async function peekClientHello(socket: Socket, timeoutMs: number): Promise<PeekedHello> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ClientHello within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const hello = await Promise.race([readTlsClientHello(socket), timeout]);
    const sni = getExtensionData(hello, 'server_name')?.serverName ?? null;
    // As sent: names are matched without case where it matters (policy.ts, RFC 6066 3 and RFC 4343), and recorded as the client wrote them.
    return { sni: typeof sni === 'string' ? sni : null, ja4: safeJa4(hello), head: drain(socket) };
  } catch (err) {
    if (err instanceof NonTlsError) throw new NotTlsError(drain(socket), err.message);
    // A TLS record we could not parse (e.g. a ClientHello split over records): no SNI, bytes intact.
    if (socket.readableLength > 0 && !socket.destroyed) return { sni: null, ja4: null, head: drain(socket) };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function drain(socket: Socket): Buffer {
  const chunks: Buffer[] = [];
  let chunk: Buffer | null;
  // No encoding is set on the socket, so read() hands back Buffers.
  while ((chunk = socket.read() as Buffer | null) !== null) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function safeJa4(hello: Parameters<typeof calculateJa4>[0]): string | null {
  try {
    return calculateJa4(hello);
  } catch {
    return null;
  }
}
