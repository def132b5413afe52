/**
 * The device fetched the real certificate itself, with its own ClientHello (Raman et al.:
 * TLS 1.0 record layer, TLS 1.2 hello, 13 cipher suites), and intercepted only when that
 * certificate was browser-trusted. The same hello is used for the proxied upstream requests.
 */
import { connect as netConnect } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { connect, createSecureContext, type SecureContext } from 'node:tls';
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

export const DEVICE_TLS = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: DEVICE_CIPHERS } as const;

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
  /** The device's own ClientHello, as it went on the wire (what the grade is computed from). */
  hello: HelloToGrade | null;
  /**
   * The TLS session the real server gave the device's look: the box's first forwarding
   * connection for this name resumes it, instead of a second full handshake.
   */
  session?: Buffer | null;
}

export function fetchUpstreamCertificate(
  destination: Endpoint,
  sni: string,
  webRoots: string[],
  timeoutMs = 5000,
): Promise<UpstreamCertificate> {
  return new Promise((resolve) => {
    const raw = netConnect({ host: destination.address, port: destination.port });
    let connected = false;
    raw.once('connect', () => (connected = true));
    const { tapped, sent } = tapWrites(raw);
    const helloRead = readTlsClientHello(sent).then(
      (h): HelloToGrade => {
        const versions = getExtensionData(h, 'supported_versions')?.versions as number[] | undefined;
        return { version: Math.max(h.version, ...(versions ?? []).filter((v) => (v & 0x0f0f) !== 0x0a0a)), cipherSuites: h.cipherSuites };
      },
      () => null,
    );
    const socket = connect({
      socket: tapped,
      servername: sni,
      secureContext: deviceContext(webRoots),
      rejectUnauthorized: false,
      // The trigger is a browser-trusted chain, for whatever name: a targeted SNI sent to
      // another server got a forged certificate in that server's own names (Raman et al.).
      checkServerIdentity: () => undefined,
    });
    const done = (result: Omit<UpstreamCertificate, 'hello'>) => {
      socket.destroy();
      raw.destroy();
      sent.end();
      // A hello that never left (the connection failed) is no hello.
      helloRead.then((hello) => resolve({ ...result, hello: connected ? hello : null }));
    };
    raw.on('error', (err) => done({ certDer: null, trusted: false, error: err.message }));
    socket.setTimeout(timeoutMs, () => done({ certDer: null, trusted: false, error: `no TLS answer within ${timeoutMs} ms` }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      done({
        certDer: cert ? cert.raw : null,
        trusted: socket.authorized,
        error: socket.authorized ? null : String(socket.authorizationError ?? 'no certificate'),
        session: socket.getSession() ?? null,
      });
    });
    socket.once('error', (err) => done({ certDer: null, trusted: false, error: err.message }));
  });
}

/** A socket whose outgoing bytes are also copied to `sent`, so the device can read its own hello. */
function tapWrites(raw: import('node:net').Socket): { tapped: Duplex; sent: PassThrough } {
  const sent = new PassThrough();
  const tapped = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk, encoding, callback) {
      if (!sent.writableEnded) sent.write(chunk);
      raw.write(chunk, encoding, callback);
    },
    final(callback) {
      raw.end(callback);
    },
    destroy(err, callback) {
      raw.destroy();
      callback(err);
    },
  });
  raw.on('data', (c) => {
    if (!tapped.push(c)) raw.pause();
  });
  raw.on('end', () => tapped.push(null));
  raw.on('error', (e) => tapped.destroy(e));
  return { tapped, sent };
}
