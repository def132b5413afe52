import { execFile } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStateCaPreset } from '../../src/scenario/state-ca.ts';
import { buildCertificate, pemToDer } from '../../src/pki/certificate.ts';
import { forgeLeaf, randomiseLowBits } from '../../src/pki/forge-leaf.ts';
import { describeCertificate } from '../../src/pki/inspect.ts';
import { generateRsaKey } from '../../src/pki/keys.ts';
import { createLabPki, type LabPki } from '../../src/pki/lab-pki.ts';
import type { CertEntropy } from '../../src/pki/randomness.ts';

const QAZNET_2019 = loadStateCaPreset('qaznet-2019');

const run = promisify(execFile);

/** A fixed clock and a counter for randomness: the forged certificate is then fully predictable. */
function fixedEntropy(nowIso: string, byte: number): CertEntropy {
  return { now: () => new Date(nowIso), randomBytes: (n) => Buffer.alloc(n, byte) };
}

function leafOf(chainPem: string): Buffer {
  return pemToDer(chainPem);
}

describe('lab PKI', () => {
  let dir: string;
  let pki: LabPki;
  let unconstrained: LabPki;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-pki-'));
    [pki, unconstrained] = await Promise.all([
      createLabPki({ dir: join(dir, 'a'), profile: QAZNET_2019, siteNames: ['bank.example'], keyPoolSize: 1 }),
      createLabPki({ dir: join(dir, 'b'), profile: QAZNET_2019, siteNames: [], nameConstrained: false, keyPoolSize: 1 }),
    ]);
  });
  afterAll(() => {
    pki.close();
    unconstrained.close();
  });

  it('makes the Qaznet root as the real one was', () => {
    const root = describeCertificate(pki.stateRoot.cert.der);
    expect(root.subject).toBe('C=KZ, CN=Qaznet Trust Network');
    expect(root.selfSigned).toBe(true);
    expect(root.keyBits).toBe(4096);
    expect(root.notBefore).toBe('2016-02-02T00:00:00.000Z');
    expect(root.notAfter).toBe('2046-02-02T00:00:00.000Z');
    const x = new X509Certificate(pki.stateRoot.cert.der);
    expect(x.ca).toBe(true);
    expect(root.extensions.find((e) => e.name === 'basicConstraints')?.critical).toBe(true);
    expect(root.extensions.find((e) => e.name === 'keyUsage')?.critical).toBe(true);
  });

  it('shows the root key usage the real root had (openssl reads it)', async () => {
    const { stdout } = await run('openssl', ['x509', '-noout', '-text', '-in', pki.files.stateRootPem]);
    expect(stdout).toMatch(/Key Usage: critical\s+Non Repudiation, Certificate Sign, CRL Sign/);
    expect(stdout).toMatch(/Name Constraints: critical\s+Permitted:\s+DNS:example\s+DNS:test/);
  });

  it('makes the "Security Certificate" intermediate under it, RSA-2048 e=65537, three years', () => {
    const int = describeCertificate(pki.stateIntermediate.cert.der);
    expect(int.subject).toBe('C=KZ, CN=Security Certificate');
    expect(int.issuer).toBe('C=KZ, CN=Qaznet Trust Network');
    expect(int.keyBits).toBe(2048);
    expect(int.publicExponent).toBe(65537);
    const days = (Date.parse(int.notAfter) - Date.parse(int.notBefore)) / 86_400_000;
    expect(days).toBe(3 * 365);
    expect(new X509Certificate(pki.stateIntermediate.cert.der).verify(new X509Certificate(pki.stateRoot.cert.der).publicKey)).toBe(true);
  });

  it('writes every private key 0600 in the lab folder', async () => {
    const keys = await readdir(join(pki.files.dir, 'keys'));
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const k of keys) expect((await stat(join(pki.files.dir, 'keys', k))).mode & 0o777).toBe(0o600);
    expect((await stat(join(pki.files.mitmCaDir, 'keys', 'ca.private.key'))).mode & 0o777).toBe(0o600);
  });

  it('leaves the constraint off only when asked', () => {
    expect(describeCertificate(unconstrained.stateRoot.cert.der).permittedDns).toBeNull();
    expect(describeCertificate(pki.stateRoot.cert.der).permittedDns).toEqual(['example', 'test']);
  });

  describe('forging from originals that are not RSA, with names forge would re-spell', () => {
    const run = promisify(execFile);
    // As openssl prints a name, RFC 2253 style: the judge is not our own parser.
    const subjectOf = async (der: Buffer) => {
      const file = join(dir, `cert-${createHash('sha256').update(der).digest('hex').slice(0, 8)}.der`);
      await writeFile(file, der);
      return (await run('openssl', ['x509', '-inform', 'DER', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253'])).stdout.trim();
    };
    const original = async (newkey: string[], subj: string) => {
      const stem = join(dir, `orig-${newkey.join('-').replace(/[^a-z0-9]/gi, '')}`);
      await run('openssl', [
        'req',
        '-x509',
        ...newkey,
        '-nodes',
        '-days',
        '30',
        '-multivalue-rdn',
        '-subj',
        subj,
        '-addext',
        'subjectAltName=DNS:ecdsa.example',
        '-keyout',
        `${stem}.key`,
        '-out',
        `${stem}.pem`,
      ]);
      return pemToDer((await import('node:fs')).readFileSync(`${stem}.pem`, 'utf8'));
    };

    it.each([
      ['ECDSA P-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
      ['Ed25519', ['-newkey', 'ed25519']],
    ])("forges a %s original: names copied exactly (a multi-valued RDN stays one), the key the profile's RSA", async (_kind, newkey) => {
      const real = await original(newkey, '/C=KZ/O=Example Org+CN=ecdsa.example');
      const key = await generateRsaKey(2048, 3);
      const leaf = forgeLeaf({
        realCertDer: real,
        issuer: pki.stateIntermediate,
        key,
        rules: QAZNET_2019.forgery,
        entropy: fixedEntropy('2026-11-22T00:00:00Z', 0x11),
      });
      expect(await subjectOf(leaf.cert.der)).toBe(await subjectOf(real));
      expect(await subjectOf(leaf.cert.der)).toBe('subject=CN=ecdsa.example+O=Example Org,C=KZ');
      const forged = new X509Certificate(leaf.cert.der);
      expect(forged.subjectAltName).toBe('DNS:ecdsa.example');
      expect(forged.publicKey.asymmetricKeyType).toBe('rsa');
      expect(forged.checkIssued(new X509Certificate(pki.stateIntermediate.cert.der))).toBe(true);
    });
  });

  describe('forging a leaf as the 2019 device did', () => {
    let real: Buffer;
    let forged: ReturnType<typeof describeCertificate>;
    let forgedDer: Buffer;
    const entropy = fixedEntropy('2026-11-22T00:00:00Z', 0xff);

    beforeAll(async () => {
      real = leafOf(pki.site('bank.example').certChainPem);
      const key = await generateRsaKey(2048, 3);
      const leaf = forgeLeaf({ realCertDer: real, issuer: pki.stateIntermediate, key, rules: QAZNET_2019.forgery, entropy });
      forgedDer = leaf.cert.der;
      forged = describeCertificate(forgedDer);
    });

    it('copies Subject and SAN from the real certificate', () => {
      const r = describeCertificate(real);
      expect(forged.subject).toBe(r.subject);
      expect(forged.names).toEqual(r.names);
    });

    it('removes every other extension', () => {
      expect(describeCertificate(real).extensions.length).toBeGreaterThan(1);
      expect(forged.extensions.map((e) => e.name)).toEqual(['subjectAltName']);
    });

    it('uses a fresh RSA-2048 key with public exponent 3', () => {
      expect(forged.keyBits).toBe(2048);
      expect(forged.publicExponent).toBe(3);
      expect(forged.spkiSha256).not.toBe(describeCertificate(real).spkiSha256);
    });

    it('shifts the real validity six hours earlier', () => {
      const r = describeCertificate(real);
      expect(Date.parse(r.notBefore) - Date.parse(forged.notBefore)).toBe(6 * 3600_000);
      expect(Date.parse(r.notAfter) - Date.parse(forged.notAfter)).toBe(6 * 3600_000);
    });

    it('keeps the real serial but for its low 33 bits', () => {
      const r = BigInt('0x' + describeCertificate(real).serialHex);
      const f = BigInt('0x' + forged.serialHex);
      const mask = (1n << 33n) - 1n;
      expect(f >> 33n).toBe(r >> 33n);
      expect(f & mask).toBe(mask); // the injected randomness was all ones
    });

    it('is signed by "Security Certificate" and verifies against it', () => {
      expect(forged.issuer).toBe('C=KZ, CN=Security Certificate');
      const issuer = new X509Certificate(pki.stateIntermediate.cert.der);
      expect(new X509Certificate(forgedDer).verify(issuer.publicKey)).toBe(true);
    });
  });

  it('randomises exactly the low bits of a serial', () => {
    const zeros = fixedEntropy('2026-01-01T00:00:00Z', 0x00);
    expect(randomiseLowBits('ffffffffffffffff', 33, zeros)).toBe('fffffffe00000000');
    expect(randomiseLowBits('0', 33, fixedEntropy('2026-01-01T00:00:00Z', 0xff))).toBe((2n ** 33n - 1n).toString(16));
  });

  it('reuses one forged leaf per real certificate and a fresh key for each new one', async () => {
    const real = leafOf(pki.site('bank.example').certChainPem);
    const a = await pki.forge(real);
    const b = await pki.forge(real);
    expect(b).toBe(a);
  });

  it('name constraints stop the lab CA from vouching for a real site (OpenSSL verify)', async () => {
    // A certificate for a real name, signed the way the forger signs.
    const key = await generateRsaKey(2048, 3);
    const forgeFor = (ca: LabPki) =>
      buildCertificate(
        {
          serialHex: '01',
          subject: [{ shortName: 'CN', value: 'www.google.com' }],
          issuer: ca.stateIntermediate.name,
          notBefore: new Date(Date.now() - 3600_000),
          notAfter: new Date(Date.now() + 86_400_000),
          publicKey: key.publicKey,
          extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'www.google.com' }] }],
        },
        ca.stateIntermediate.key.privateKey,
      );
    const verify = async (ca: LabPki) => {
      const leaf = join(dir, `google-${createHash('md5').update(ca.files.dir).digest('hex')}.pem`);
      await writeFile(leaf, forgeFor(ca).pem);
      return run('openssl', ['verify', '-CAfile', ca.files.stateRootPem, '-untrusted', ca.files.stateIntermediatePem, leaf]).then(
        (r) => r.stdout,
        (e) => String(e.stdout) + String(e.stderr),
      );
    };
    expect(await verify(pki)).toMatch(/permitted subtree violation/);
    expect(await verify(unconstrained)).toMatch(/: OK/);
  });
});
