/**
 * The device fetched the real certificate itself, with its own ClientHello (Raman et al.:
 * TLS 1.0 record layer, TLS 1.2 hello, 13 cipher suites), and intercepted only when that
 * certificate was browser-trusted. The same hello is used for the proxied upstream requests.
 */
import { connect } from 'node:tls';
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

export interface UpstreamCertificate {
  /** DER of the real leaf; null when no TLS could be had. */
  certDer: Buffer | null;
  /** Chains to a root the web trusts (the name is not checked: the paper's trigger does not). */
  trusted: boolean;
  error: string | null;
}

export function fetchUpstreamCertificate(
  destination: Endpoint,
  sni: string,
  webRoots: string[],
  timeoutMs = 5000,
): Promise<UpstreamCertificate> {
  return new Promise((resolve) => {
    const socket = connect({
      host: destination.address,
      port: destination.port,
      servername: sni,
      ca: webRoots,
      rejectUnauthorized: false,
      // The trigger is a browser-trusted chain, for whatever name: a targeted SNI sent to
      // another server got a forged certificate in that server's own names (Raman et al.).
      checkServerIdentity: () => undefined,
      ...DEVICE_TLS,
    });
    const done = (result: UpstreamCertificate) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ certDer: null, trusted: false, error: `no TLS answer within ${timeoutMs} ms` }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      done({
        certDer: cert ? cert.raw : null,
        trusted: socket.authorized,
        error: socket.authorized ? null : String(socket.authorizationError ?? 'no certificate'),
      });
    });
    socket.once('error', (err) => done({ certDer: null, trusted: false, error: err.message }));
  });
}
