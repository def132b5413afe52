/**
 * The device fetched the real certificate itself, with its own ClientHello (Raman et al.:
 * TLS 1.0 record layer, TLS 1.2 hello, 13 cipher suites), and intercepted only when that
 * certificate was browser-trusted. The same hello is used for the proxied upstream requests.
 */
import { connect as netConnect } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { getExtensionData, readTlsClientHello } from 'read-tls-client-hello';
import type { HelloToGrade } from './grade.ts';
import type { Endpoint } from './events.ts';

/** 13 suites a 2019 middlebox offered: ECDHE and static-RSA, GCM and CBC (graded B by MITMEngine's rules). */
export const DEVICE_CIPHERS = [
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA256',
  'AES256-SHA256',
  'AES128-SHA',
].join(':');

const DEVICE_TLS = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: DEVICE_CIPHERS } as const;

/**
 * The device's TLS settings and the roots it trusts upstream, as one context made once: passing
 * `ca` to every connection makes Node parse the roots and build a new context each time.
 */
const contexts = new Map<string, SecureContext>();
export function deviceContext(webRoots: string[]): SecureContext {
  const key = webRoots.join('');
  let context = contexts.get(key);
  if (!context) {
    context = createSecureContext({ ca: webRoots, ...DEVICE_TLS });
    contexts.set(key, context);
  }
  return context;
}

export interface UpstreamCertificate {
  /** DER of the real leaf; null when no TLS could be had. */
  certDer: Buffer | null;
  /** Chains to a root the web trusts (the name is not checked: the paper's trigger does not). */
  trusted: boolean;
  error: string | null;
  /** The look reached a server (its ClientHello went on the wire), whatever came of it. */
  reached: boolean;
  /**
   * The TLS session the real server gave the device's look: a forwarding connection for this
   * name resumes it, instead of a second full handshake.
   */
  session?: Buffer | null;
  /**
   * The look's own connection, still open (only when asked to keep it): the first request
   * forwarded under this name goes over it, so a never-seen name costs one upstream handshake,
   * not two. Whoever takes it owns it.
   */
  connection?: OpenUpstream | null;
}

export interface OpenUpstream {
  socket: TLSSocket;
  /** Its handshake's key-log lines, for the box's key log when the connection carries a request. */
  keylog: Buffer[];
}

interface ProbeOptions {
  timeoutMs?: number;
  /** Keep the connection open when the look succeeds, instead of closing it. */
  keepConnection?: boolean;
}

export function fetchUpstreamCertificate(
  destination: Endpoint,
  sni: string,
  webRoots: string[],
  { timeoutMs = 5000, keepConnection = false }: ProbeOptions = {},
): Promise<UpstreamCertificate> {
  return new Promise((resolve) => {
    const raw = netConnect({ host: destination.address, port: destination.port });
    let reached = false;
    raw.once('connect', () => (reached = true));
    const socket = connect({
      socket: raw,
      servername: sni,
      secureContext: deviceContext(webRoots),
      rejectUnauthorized: false,
      // The trigger is a browser-trusted chain, for whatever name: a targeted SNI sent to
      // another server got a forged certificate in that server's own names (Raman et al.).
      checkServerIdentity: () => undefined,
    });
    const keylog: Buffer[] = [];
    const onKeylog = (line: Buffer) => keylog.push(line);
    if (keepConnection) socket.on('keylog', onKeylog);
    let settled = false;
    const done = (result: Omit<UpstreamCertificate, 'reached'>, keep = false) => {
      if (settled) return;
      settled = true;
      socket.setTimeout(0);
      socket.off('keylog', onKeylog);
      if (!keep) {
        socket.destroy();
        raw.destroy();
      }
      resolve({ ...result, reached });
    };
    raw.on('error', (err) => done({ certDer: null, trusted: false, error: err.message }));
    socket.setTimeout(timeoutMs, () => done({ certDer: null, trusted: false, error: `no TLS answer within ${timeoutMs} ms` }));
    socket.once('secureConnect', () => {
      // Read now: Node no longer gives the peer's certificate once the handshake callback is over.
      const cert = socket.getPeerX509Certificate();
      const keep = keepConnection && !!cert;
      done(
        {
          certDer: cert ? cert.raw : null,
          trusted: socket.authorized,
          error: socket.authorized ? null : String(socket.authorizationError ?? 'no certificate'),
          session: socket.getSession() ?? null,
          connection: keep ? { socket, keylog } : null,
        },
        keep,
      );
    });
    socket.once('error', (err: Error) => done({ certDer: null, trusted: false, error: err.message }));
  });
}

/**
 * The device's own ClientHello, byte for byte what its looks and forwarding connections send
 * (the same context and options), written into a stream that never answers: nothing goes on
 * the network, and no look has to be slowed by a tap to read it.
 */
export async function deviceHello(webRoots: string[]): Promise<HelloToGrade | null> {
  const sent = new PassThrough();
  const wire = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      sent.write(chunk);
      callback();
    },
  });
  const socket = connect({ socket: wire, servername: 'device-hello.invalid', secureContext: deviceContext(webRoots), rejectUnauthorized: false });
  socket.on('error', () => undefined);
  try {
    const h = await readTlsClientHello(sent);
    const versions = getExtensionData(h, 'supported_versions')?.versions;
    return { version: Math.max(h.version, ...(versions ?? []).filter((v) => (v & 0x0f0f) !== 0x0a0a)), cipherSuites: h.cipherSuites };
  } catch {
    return null;
  } finally {
    socket.destroy();
    wire.destroy();
    sent.destroy();
  }
}
