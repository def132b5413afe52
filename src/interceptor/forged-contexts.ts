/**
 * One forged certificate per real certificate, however many connections race for it: the
 * forging is single-flight and keyed by the real certificate's fingerprint, and its TLS
 * context is made once (a new SecureContext per connection parses the key again and costs
 * more than the handshake). A wildcard origin (*.bank.example) seen under a new SNI name reuses
 * the forgery of the same real certificate, as the device's copied names do.
 */
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { ForgedLeaf } from '../pki/forge-leaf.ts';

export interface ForgedContext {
  leaf: ForgedLeaf;
  context: SecureContext;
}

export class ForgedContexts {
  private readonly byRealCert = new Map<string, Promise<ForgedContext>>();

  constructor(
    private readonly forge: (realCertDer: Buffer) => Promise<ForgedLeaf>,
    /** Told once per real certificate, when its forgery is made. */
    private readonly onForged: (realCertDer: Buffer, leaf: ForgedLeaf) => void,
    private readonly limit = 10_000,
  ) {}

  get(realCertDer: Buffer): Promise<ForgedContext> {
    const key = createHash('sha256').update(realCertDer).digest('hex');
    let made = this.byRealCert.get(key);
    if (!made) {
      made = this.forge(realCertDer).then((leaf) => {
        this.onForged(realCertDer, leaf);
        return { leaf, context: createSecureContext({ key: leaf.key.privateKeyPem, cert: leaf.chainPem }) };
      });
      // A failure is not kept: the next connection tries again.
      made.catch(() => this.byRealCert.delete(key));
      // Bounded: a box that has seen 10,000 different real certificates forgets the oldest.
      if (this.byRealCert.size >= this.limit) this.byRealCert.delete(this.byRealCert.keys().next().value!);
      this.byRealCert.set(key, made);
    }
    return made;
  }

  get size(): number {
    return this.byRealCert.size;
  }
}
