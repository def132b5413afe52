/**
 * Forge a leaf certificate the way the 2019 Kazakh device did (Raman et al., IMC 2020, §4):
 * names copied from the server's REAL certificate (not from the SNI), every other extension
 * removed, a fresh key per host, validity shifted, serial partly randomised.
 */
import { buildCertificate, parseForCopy, type SignedCertificate } from './certificate.ts';
import type { Authority } from './authority.ts';
import type { LabKey } from './keys.ts';
import type { ForgeryRules } from './profiles.ts';
import type { CertEntropy } from './randomness.ts';

export interface ForgedLeaf {
  cert: SignedCertificate;
  key: LabKey;
  /** Leaf, then the intermediates a client needs, PEM: what the interceptor sends. */
  chainPem: string;
}

export function forgeLeaf(opts: { realCertDer: Buffer; issuer: Authority; key: LabKey; rules: ForgeryRules; entropy: CertEntropy }): ForgedLeaf {
  const real = parseForCopy(opts.realCertDer);
  const shift = opts.rules.validityShiftHours * 3_600_000;
  const cert = buildCertificate(
    {
      serialHex: randomiseLowBits(real.serialHex, opts.rules.serialRandomBits, opts.entropy),
      subject: real.subject,
      issuer: opts.issuer.name,
      notBefore: new Date(real.notBefore.getTime() + shift),
      notAfter: new Date(real.notAfter.getTime() + shift),
      publicKey: opts.key.publicKey,
      extensions: real.extensions.filter((e) => opts.rules.keepExtensionOids.includes(e.oid)),
    },
    opts.issuer.key.privateKey,
  );
  const chainPem = [cert.pem, opts.issuer.cert.pem, ...opts.issuer.chainAbove.map((c) => c.pem)].join('');
  return { cert, key: opts.key, chainPem };
}

/** The real serial with its low `bits` bits replaced by random ones. */
export function randomiseLowBits(serialHex: string, bits: number, entropy: CertEntropy): string {
  const real = BigInt('0x' + (serialHex || '0'));
  const mask = (1n << BigInt(bits)) - 1n;
  const random = BigInt('0x' + entropy.randomBytes(Math.ceil(bits / 8)).toString('hex')) & mask;
  return ((real & ~mask) | random).toString(16);
}
