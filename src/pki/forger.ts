/**
 * The ISP box's forging service: one forged leaf, with a fresh key from the pool, per real
 * certificate the box fetched upstream ("a fresh key per host"), cached for the lab's life.
 */
import { createHash } from 'node:crypto';
import type { Authority } from './authority.ts';
import { pemToDer, type DistinguishedName } from './certificate.ts';
import { forgeLeaf, type ForgedLeaf } from './forge-leaf.ts';
import { KeyPool, labKeyFromPem } from './keys.ts';
import type { StateCaProfile } from './profiles.ts';
import { systemEntropy, type CertEntropy } from './randomness.ts';

/** Plain functions (none uses `this`): a lab's PKI hands them on as its own. */
interface Forger {
  forge: (realCertDer: Buffer) => Promise<ForgedLeaf>;
  /** Resolves when the key pool is full (for benchmarks and a quiet start). */
  warm: () => Promise<void>;
  close: () => void;
}

export function createForger(opts: { issuer: Authority; profile: StateCaProfile; entropy?: CertEntropy; keyPoolSize?: number }): Forger {
  const entropy = opts.entropy ?? systemEntropy;
  const rules = opts.profile.forgery;
  const pool = new KeyPool(rules.keyBits, rules.exponent, opts.keyPoolSize ?? 4);
  const forged = new Map<string, Promise<ForgedLeaf>>();
  return {
    forge(realCertDer) {
      const id = createHash('sha256').update(realCertDer).digest('hex');
      let leaf = forged.get(id);
      if (!leaf) {
        leaf = pool.take().then((key) => forgeLeaf({ realCertDer, issuer: opts.issuer, key, rules, entropy }));
        forged.set(id, leaf);
        leaf.catch(() => forged.delete(id));
      }
      return leaf;
    },
    warm: () => pool.filled(),
    close: () => pool.close(),
  };
}

/** A CA read back from its certificate and key files (the state intermediate, in the ISP container). */
export function authorityFromPem(name: DistinguishedName, certPem: string, keyPem: string): Authority {
  return { name, cert: { pem: certPem, der: pemToDer(certPem) }, key: labKeyFromPem(keyPem), chainAbove: [] };
}
