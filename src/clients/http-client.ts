/**
 * A real HTTP/1.1 + TLS client for scripted subscribers. It verifies the server as a
 * browser would (chain to its own trust store, then the name), records what it saw (the
 * issuer, its own error text), and sends nothing on a connection it does not trust.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, connect as tlsConnect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { Endpoint } from '../interceptor/events.ts';
import type { ChainToJudge, Verdict } from './judge-chain.ts';
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
  /** Something the person did or was told, e.g. that they clicked through a warning. */
  note?: string;
  /** The host the connection really went to, when not the site itself (a front, a tunnel exit). */
  via?: string;
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

/** A client's judgement on the chain it was shown (defaults to OpenSSL's verdict alone). */
type ChainVerifier = (input: ChainToJudge) => Verdict;

const opensslOnly: ChainVerifier = (input) => (input.opensslError ? { accept: false, ...input.opensslError } : { accept: true, note: null });

interface DialTlsOptions {
  /** The name asked for (SNI) and checked against the certificate. */
  name: string;
  /** Where to connect, or an open socket to run TLS over (a tunnel). */
  to: Endpoint | { socket: Duplex };
  trust: string[];
  localAddress?: string;
  attempt: Attempt;
  verify?: ChainVerifier;
}

/** Open a TLS connection and judge it; rejects with TlsRefusal (the socket is closed, nothing sent). */
export function dialTls(opts: DialTlsOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      ...('socket' in opts.to ? { socket: opts.to.socket } : { host: opts.to.address, port: opts.to.port, localAddress: opts.localAddress }),
      servername: opts.name,
      ca: opts.trust,
      // Verification is done below, from the same OpenSSL checks, so that the certificate the
      // client was shown can be reported even when it refuses it.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    } as import('node:tls').ConnectionOptions);
    socket.setTimeout(10_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      const attempt = opts.attempt;
      if (!('socket' in opts.to)) attempt.local = { address: socket.localAddress ?? '?', port: socket.localPort ?? 0 };
      const peer = socket.getPeerCertificate(true);
      attempt.issuer = peer?.issuer?.CN ? String(peer.issuer.CN) : null;
      const verdict = (opts.verify ?? opensslOnly)({ host: opts.name, chain: chainOf(peer), opensslError: opensslErrorOf(socket, opts.name, peer) });
      if (!verdict.accept) {
        socket.destroy();
        reject(new TlsRefusal(verdict.code, verdict.message));
        return;
      }
      if (verdict.note) attempt.note = verdict.note;
      resolve(socket);
    });
    socket.once('error', (err: Error & { code?: string }) => reject(new TlsRefusal(err.code ?? 'ERROR', err.message)));
  });
}

function opensslErrorOf(socket: TLSSocket, name: string, peer: DetailedPeerCertificate | null): { code: string; message: string } | null {
  if (!socket.authorized) {
    const err = verifyErrorOf(socket);
    return typeof err === 'string' ? { code: err, message: err } : { code: err?.code ?? 'CERT_ERROR', message: err?.message ?? 'verification failed' };
  }
  const nameError = peer ? checkServerIdentity(name, peer) : new Error('no certificate');
  return nameError ? { code: (nameError as { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID', message: nameError.message } : null;
}

/** Leaf first, following issuers until the self-signed top (Node links it to itself). */
function chainOf(peer: DetailedPeerCertificate | null): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let at: DetailedPeerCertificate | undefined = peer ?? undefined;
  while (at?.raw && chain.length < 10) {
    chain.push(new X509Certificate(at.raw));
    if (!at.issuerCertificate || at.issuerCertificate === at || at.issuerCertificate.raw?.equals(at.raw)) break;
    at = at.issuerCertificate;
  }
  return chain;
}

/** How a client gets a connection for a URL: directly, through a front, through a tunnel. */
export type Transport = (url: URL, attempt: Attempt) => Promise<Duplex>;

/** The plain way: TCP (and TLS for https) to where the lab's DNS sends this name. */
export function directTransport(network: ClientNetwork, trust: string[], verify?: ChainVerifier): Transport {
  return async (url, attempt) => {
    const scheme = url.protocol === 'https:' ? 'https' : 'http';
    const to = resolveOrThrow(network, url.hostname, scheme);
    if (scheme === 'http') return dialTcp(to, network.localAddress, attempt);
    return dialTls({ name: url.hostname, to, trust, localAddress: network.localAddress, attempt, verify });
  };
}

/** One HTTP(S) request; never throws for a refusal: the attempt says what happened. */
export async function fetchOnce(
  transport: Transport,
  url: URL,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const attempt: Attempt = { site: url.hostname, url: url.href, scheme, local: null, issuer: null, error: null, status: null };
  let socket: Duplex;
  try {
    socket = await transport(url, attempt);
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

function send(socket: Duplex, url: URL, init: { method?: string; headers?: Record<string, string>; body?: string }) {
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

function dialTcp(to: Endpoint, localAddress: string | undefined, attempt: Attempt): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: to.address, port: to.port, localAddress });
    socket.once('connect', () => {
      attempt.local = { address: socket.localAddress ?? '?', port: socket.localPort ?? 0 };
      resolve(socket);
    });
    socket.once('error', (err: Error & { code?: string }) => reject(new TlsRefusal(err.code ?? 'ERROR', err.message)));
  });
}

export function resolveOrThrow(network: ClientNetwork, name: string, scheme: 'https' | 'http'): Endpoint {
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
  return handle?.verifyError?.() ?? socket.authorizationError;
}
