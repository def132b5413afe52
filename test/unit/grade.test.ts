import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { getExtensionData, readTlsClientHello } from 'read-tls-client-hello';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeHello, gradeSuite } from '../../src/interceptor/grade.ts';
import { DEVICE_CIPHERS, deviceHello, fetchUpstreamCertificate } from '../../src/interceptor/upstream-probe.ts';
import { selfSigned } from '../support/self-signed.ts';

/**
 * MITMEngine's grades (Durumeric et al., NDSS 2017) on hand-made hellos, then on the hello
 * the box really puts on the wire when it probes a server.
 */

const TLS12 = 0x0303;
const TLS13 = 0x0304;
const TLS10 = 0x0301;
const SSL3 = 0x0300;

// IANA ids (RFC 8446 B.4, RFC 5246 A.5, RFC 5289, RFC 4492).
const S = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  ECDHE_RSA_AES128_GCM: 0xc02f,
  ECDHE_RSA_AES256_GCM: 0xc030,
  ECDHE_ECDSA_AES128_GCM: 0xc02b,
  ECDHE_ECDSA_AES256_GCM: 0xc02c,
  ECDHE_RSA_CHACHA20: 0xcca8,
  DHE_RSA_AES128_GCM: 0x009e,
  ECDHE_RSA_AES128_SHA256: 0xc027,
  ECDHE_RSA_AES256_SHA384: 0xc028,
  ECDHE_RSA_AES128_SHA: 0xc013,
  ECDHE_RSA_AES256_SHA: 0xc014,
  RSA_AES128_GCM: 0x009c,
  RSA_AES256_GCM: 0x009d,
  RSA_AES128_SHA256: 0x003c,
  RSA_AES256_SHA256: 0x003d,
  RSA_AES128_SHA: 0x002f,
  RSA_3DES: 0x000a,
  ECDHE_RSA_3DES: 0xc012,
  RSA_RC4_SHA: 0x0005,
  ECDHE_RSA_RC4_SHA: 0xc011,
  RSA_NULL_SHA: 0x0002,
  ECDHE_RSA_NULL_SHA: 0xc010,
  RSA_EXPORT_RC4_40: 0x0003,
  RSA_EXPORT_DES40: 0x0008,
  RSA_DES_CBC: 0x0009,
  DH_anon_AES128_SHA: 0x0034,
  ECDH_anon_AES128_SHA: 0xc018,
  EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
  FALLBACK_SCSV: 0x5600,
} as const;
const GREASE = [0x0a0a, 0x1a1a, 0xfafa] as const;

/** The 13 suites of DEVICE_CIPHERS by IANA id, in the order of the OpenSSL cipher string. */
const DEVICE_IDS = [
  S.ECDHE_RSA_AES128_GCM,
  S.ECDHE_RSA_AES256_GCM,
  S.ECDHE_ECDSA_AES128_GCM,
  S.ECDHE_ECDSA_AES256_GCM,
  S.ECDHE_RSA_AES128_SHA256,
  S.ECDHE_RSA_AES256_SHA384,
  S.ECDHE_RSA_AES128_SHA,
  S.ECDHE_RSA_AES256_SHA,
  S.RSA_AES128_GCM,
  S.RSA_AES256_GCM,
  S.RSA_AES128_SHA256,
  S.RSA_AES256_SHA256,
  S.RSA_AES128_SHA,
];

describe('gradeHello', () => {
  it('gives A to TLS 1.3 suites only', () => {
    const r = gradeHello({ version: TLS13, cipherSuites: [S.TLS_AES_128_GCM_SHA256, S.TLS_AES_256_GCM_SHA384, S.TLS_CHACHA20_POLY1305_SHA256] });
    expect(r).toEqual({ grade: 'A', version: 'TLS 1.3', reasons: [] });
  });

  it('gives A to ECDHE/DHE with AEAD only', () => {
    const r = gradeHello({
      version: TLS12,
      cipherSuites: [S.ECDHE_ECDSA_AES128_GCM, S.ECDHE_RSA_AES256_GCM, S.ECDHE_RSA_CHACHA20, S.DHE_RSA_AES128_GCM],
    });
    expect(r).toEqual({ grade: 'A', version: 'TLS 1.2', reasons: [] });
  });

  it('gives B when a single CBC suite is offered, and names it', () => {
    const r = gradeHello({ version: TLS12, cipherSuites: [S.ECDHE_RSA_AES128_GCM, S.ECDHE_RSA_AES128_SHA] });
    expect(r.grade).toBe('B');
    expect(r.reasons).toEqual(['B: offers TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA']);
  });

  it('gives B to static RSA key exchange even with GCM (no forward secrecy)', () => {
    const r = gradeHello({ version: TLS12, cipherSuites: [S.ECDHE_RSA_AES128_GCM, S.RSA_AES128_GCM] });
    expect(r.grade).toBe('B');
    expect(r.reasons).toEqual(['B: offers TLS_RSA_WITH_AES_128_GCM_SHA256']);
  });

  it('gives B to 3DES', () => {
    for (const suite of [S.RSA_3DES, S.ECDHE_RSA_3DES]) {
      const r = gradeHello({ version: TLS12, cipherSuites: [S.ECDHE_RSA_AES128_GCM, suite] });
      expect(r.grade).toBe('B');
      expect(r.reasons.join('\n')).toMatch(/3DES_EDE_CBC/);
    }
  });

  it('gives C to RC4, whatever the key exchange', () => {
    for (const suite of [S.RSA_RC4_SHA, S.ECDHE_RSA_RC4_SHA]) {
      const r = gradeHello({ version: TLS12, cipherSuites: [S.ECDHE_RSA_AES128_GCM, S.RSA_AES128_SHA, suite] });
      expect(r.grade).toBe('C');
      expect(r.reasons[0]).toMatch(/^C: offers TLS_\w*RC4_128_SHA$/);
    }
  });

  it.each([
    ['NULL', S.RSA_NULL_SHA, 'TLS_RSA_WITH_NULL_SHA'],
    ['NULL with ECDHE', S.ECDHE_RSA_NULL_SHA, 'TLS_ECDHE_RSA_WITH_NULL_SHA'],
    ['EXPORT RC4', S.RSA_EXPORT_RC4_40, 'TLS_RSA_EXPORT_WITH_RC4_40_MD5'],
    ['EXPORT DES40', S.RSA_EXPORT_DES40, 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA'],
    ['single DES', S.RSA_DES_CBC, 'TLS_RSA_WITH_DES_CBC_SHA'],
    ['anonymous DH', S.DH_anon_AES128_SHA, 'TLS_DH_anon_WITH_AES_128_CBC_SHA'],
    ['anonymous ECDH', S.ECDH_anon_AES128_SHA, 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA'],
  ])('gives F to %s and names the suite', (_label, suite, name) => {
    const r = gradeHello({ version: TLS12, cipherSuites: [S.TLS_AES_128_GCM_SHA256, S.ECDHE_RSA_AES128_GCM, suite] });
    expect(r.grade).toBe('F');
    expect(r.reasons[0]).toBe(`F: offers ${name}`);
  });

  it('lists every offending grade, worst first', () => {
    const r = gradeHello({ version: TLS12, cipherSuites: [S.RSA_AES128_SHA, S.RSA_RC4_SHA, S.RSA_NULL_SHA, S.RSA_3DES] });
    expect(r.grade).toBe('F');
    expect(r.reasons).toEqual([
      'F: offers TLS_RSA_WITH_NULL_SHA',
      'C: offers TLS_RSA_WITH_RC4_128_SHA',
      'B: offers TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_3DES_EDE_CBC_SHA',
    ]);
  });

  it('gives at least B to TLS 1.0 and says so', () => {
    const r = gradeHello({ version: TLS10, cipherSuites: [S.ECDHE_RSA_AES128_GCM] });
    expect(r.grade).toBe('B');
    expect(r.version).toBe('TLS 1.0');
    expect(r.reasons).toContain('offers TLS 1.0');
    expect(gradeHello({ version: 0x0302, cipherSuites: [S.ECDHE_RSA_AES128_GCM] }).grade).toBe('B');
    // The version never lifts a worse suite grade.
    expect(gradeHello({ version: TLS10, cipherSuites: [S.RSA_RC4_SHA] }).grade).toBe('C');
  });

  it('gives C to SSL 3.0', () => {
    const r = gradeHello({ version: SSL3, cipherSuites: [S.ECDHE_RSA_AES128_GCM] });
    expect(r.grade).toBe('C');
    expect(r.reasons).toContain('offers SSL 3.0');
  });

  it('ignores GREASE values and the signalling suites', () => {
    const r = gradeHello({
      version: TLS13,
      cipherSuites: [GREASE[0], S.TLS_AES_128_GCM_SHA256, S.EMPTY_RENEGOTIATION_INFO_SCSV, GREASE[1], S.FALLBACK_SCSV, S.ECDHE_RSA_AES128_GCM, GREASE[2]],
    });
    expect(r).toEqual({ grade: 'A', version: 'TLS 1.3', reasons: [] });
  });
});

describe('gradeSuite', () => {
  it.each([
    ['TLS_AES_256_GCM_SHA384', 'A'],
    ['TLS_CHACHA20_POLY1305_SHA256', 'A'],
    ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'A'],
    ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'B'],
    ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'B'],
    ['TLS_RSA_WITH_RC4_128_MD5', 'C'],
    ['TLS_NULL_WITH_NULL_NULL', 'F'],
  ])('%s → %s', (name, grade) => {
    expect(gradeSuite(name)).toBe(grade);
  });
});

describe("the device's own ClientHello, read off a real socket", () => {
  let dir: string;
  let server: Server;
  let certPem: string;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-grade-'));
    const upstream = await selfSigned(dir, 'upstream.example');
    certPem = upstream.certPem;
    server = createServer({ cert: certPem, key: upstream.keyPem }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('offers TLS 1.2 and exactly the 13 DEVICE_CIPHERS suites, graded B', async () => {
    expect(DEVICE_CIPHERS.split(':')).toHaveLength(13);
    const hello = await deviceHello([]);
    expect(hello).not.toBeNull();
    expect(hello!.version).toBe(0x0303);
    // OpenSSL appends the renegotiation SCSV (RFC 5746 3.3): a signal, not a suite.
    const suites = hello!.cipherSuites.filter((id) => id !== S.EMPTY_RENEGOTIATION_INFO_SCSV);
    expect(suites).toEqual(DEVICE_IDS);
    const grade = gradeHello(hello!);
    expect(grade.grade).toBe('B');
    expect(grade.version).toBe('TLS 1.2');
    expect(grade.reasons.join('\n')).toContain('TLS_RSA_WITH_AES_128_CBC_SHA');
  });

  it("grades the hello the device's look really puts on the wire", async () => {
    // A server that only reads what arrives: the look's own ClientHello, as a server sees it.
    const seen = new Promise<{ version: number; cipherSuites: number[] }>((resolve, reject) => {
      const reader = createNetServer((socket) => {
        readTlsClientHello(socket).then((h) => {
          const versions = getExtensionData(h, 'supported_versions')?.versions ?? [];
          resolve({ version: Math.max(h.version, ...versions), cipherSuites: h.cipherSuites });
          socket.destroy();
          reader.close();
        }, reject);
      });
      reader.listen(0, '127.0.0.1', () => {
        fetchUpstreamCertificate({ address: '127.0.0.1', port: (reader.address() as AddressInfo).port }, 'upstream.example', []).catch(reject);
      });
    });
    expect(await deviceHello([])).toEqual(await seen);
  });

  it('reports an untrusted self-signed server as not trusted, with the error, and still returns its certificate', async () => {
    const r = await fetchUpstreamCertificate({ address: '127.0.0.1', port }, 'upstream.example', []);
    expect(r.trusted).toBe(false);
    // Node's authorizationError: OpenSSL's verify code for a lone self-signed leaf.
    expect(r.error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(r.certDer).not.toBeNull();
  });

  it('reports the same server as trusted when its certificate is among the web roots', async () => {
    const r = await fetchUpstreamCertificate({ address: '127.0.0.1', port }, 'other-name.example', [certPem]);
    expect(r.trusted).toBe(true);
    expect(r.error).toBeNull();
  });

  it('says so when nothing listens there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await fetchUpstreamCertificate({ address: '127.0.0.1', port: deadPort }, 'upstream.example', []);
    expect(r).toMatchObject({ certDer: null, trusted: false });
    expect(r.error).toMatch(/ECONNREFUSED/);
  });
});
