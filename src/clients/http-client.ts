/**
 * A real HTTP/1.1 + TLS client for scripted subscribers. It verifies the server as a
 * browser would (chain to its own trust store, then the name), records what it saw (the
 * issuer, its own error text), and sends nothing on a connection it does not trust.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Endpoint } from '../interceptor/events.ts';
import type { ClientNetwork } from './network.ts';

export interface Attempt {
  site: string;
  url: string;
  scheme: 'https' | 'http' | 'wss';
  /** The client's end of the TCP connection: the interceptor's records are joined on it. */
  local: Endpoint | null;
  /** Common name of the issuer of the certificate the client was shown. */
  issuer: string | null;
  /** The client's own error, when it refused or failed; its text as the client words it. */
  error: { code: string; message: string } | null;
  status: number | null;
}

export interface HttpResult {
  attempt: Attempt;
  response: { status: number; headers: IncomingMessage['headers']; body: string } | null;
}

export class TlsRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Open a verified TLS connection; rejects with TlsRefusal (the socket is closed, nothing sent). */
export async function dialTls(
  network: ClientNetwork,
  name: string,
  trust: string[],
  attempt: Attempt,
): Promise<TLSSocket> {
  const to = resolveOrThrow(network, name, 'https');
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: to.address,
      port: to.port,
      servername: name,
      ca: trust,
      localAddress: network.localAddress,
      // Verification is done below, by the same OpenSSL checks, so that the certificate the
      // client was shown can be reported even when it refuses it.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    } as import('node:tls').ConnectionOptions);
    socket.setTimeout(10_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      attempt.local = { address: socket.localAddress ?? '?', port: socket.localPort ?? 0 };
      const peer = socket.getPeerCertificate();
      attempt.issuer = peer?.issuer?.CN ? String(peer.issuer.CN) : null;
      const verifyError = verifyErrorOf(socket);
      const nameError = peer ? checkServerIdentity(name, peer) : new Error('no certificate');
      if (!socket.authorized || nameError) {
        const err = socket.authorized ? (nameError as Error & { code?: string }) : verifyError;
        const code = typeof err === 'string' ? err : (err?.code ?? 'CERT_ERROR');
        const message = typeof err === 'string' ? err : (err?.message ?? String(err));
        socket.destroy();
        reject(new TlsRefusal(code, message));
        return;
      }
      resolve(socket);
    });
    socket.once('error', (err: Error & { code?: string }) => reject(new TlsRefusal(err.code ?? 'ERROR', err.message)));
  });
}

/** One HTTP(S) request; never throws for a refusal: the attempt says what happened. */
export async function fetchOnce(
  network: ClientNetwork,
  trust: string[],
  url: URL,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const attempt: Attempt = { site: url.hostname, url: url.href, scheme, local: null, issuer: null, error: null, status: null };
  let socket: Socket;
  try {
    socket = scheme === 'https' ? await dialTls(network, url.hostname, trust, attempt) : await dialTcp(network, url.hostname, attempt);
  } catch (err) {
    const e = err as TlsRefusal;
    attempt.error = { code: e.code ?? 'ERROR', message: e.message };
    return { attempt, response: null };
  }
  try {
    const response = await send(socket, url, init);
    attempt.status = response.status;
    return { attempt, response };
  } catch (err) {
    const e = err as Error & { code?: string };
    attempt.error = { code: e.code ?? 'ERROR', message: e.message };
    return { attempt, response: null };
  }
}

function send(socket: Socket, url: URL, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<NonNullable<HttpResult['response']>>((resolve, reject) => {
    const req = httpRequest(
      {
        createConnection: () => socket,
        method: init.method ?? 'GET',
        path: url.pathname + url.search,
        headers: { host: url.host, 'user-agent': 'tlslab-scripted/1.0', accept: '*/*', connection: 'close', ...init.headers },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no response within 10 s')));
    req.on('error', reject);
    req.end(init.body);
  });
}

function dialTcp(network: ClientNetwork, name: string, attempt: Attempt): Promise<Socket> {
  const to = resolveOrThrow(network, name, 'http');
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: to.address, port: to.port, localAddress: network.localAddress });
    socket.once('connect', () => {
      attempt.local = { address: socket.localAddress ?? '?', port: socket.localPort ?? 0 };
      resolve(socket);
    });
    socket.once('error', (err: Error & { code?: string }) => reject(new TlsRefusal(err.code ?? 'ERROR', err.message)));
  });
}

function resolveOrThrow(network: ClientNetwork, name: string, scheme: 'https' | 'http'): Endpoint {
  const to = network.resolve(name, scheme);
  if (!to) throw new TlsRefusal('ENOTFOUND', `getaddrinfo ENOTFOUND ${name}`);
  return to;
}

/**
 * OpenSSL's own words for a failed verification ("unable to get local issuer certificate"):
 * `authorizationError` holds only the code, the handle keeps the full error.
 */
function verifyErrorOf(socket: TLSSocket): (Error & { code?: string }) | string | null {
  const handle = (socket as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null } })._handle;
  return handle?.verifyError?.() ?? (socket.authorizationError as unknown as string | null);
}
