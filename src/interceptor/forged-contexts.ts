/**
 * The TLS context of each forged certificate, made once: a new SecureContext per connection
 * parses the key again and costs more than the handshake. The forger (src/pki/forger.ts)
 * already makes one forgery per real certificate, however many connections race for it, and
 * returns the same leaf each time; the context is kept beside that leaf, so a wildcard origin
 * (*.bank.example) seen under a new SNI name reuses both, as the device's copied names do.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { ForgedLeaf } from '../pki/forge-leaf.ts';
import type { Endpoint } from './events.ts';

interface ForgedContext {
  leaf: ForgedLeaf;
  context: SecureContext;
}

/** Where a forgery was first asked for: the destination and the name in the ClientHello. */
interface FirstAsked {
  destination: Endpoint;
  sni: string;
}

export class ForgedContexts {
  private readonly byLeaf = new WeakMap<ForgedLeaf, SecureContext>();

  constructor(
    private readonly forge: (realCertDer: Buffer) => Promise<ForgedLeaf>,
    /** Told once per forged leaf, when its context is made. */
    private readonly onForged: (realCertDer: Buffer, leaf: ForgedLeaf, first: FirstAsked) => void,
  ) {}

  async get(realCertDer: Buffer, asked: FirstAsked): Promise<ForgedContext> {
    const leaf = await this.forge(realCertDer);
    let context = this.byLeaf.get(leaf);
    if (!context) {
      context = createSecureContext({ key: leaf.key.privateKeyPem, cert: leaf.chainPem });
      this.byLeaf.set(leaf, context);
      this.onForged(realCertDer, leaf, asked);
    }
    return { leaf, context };
  }
}
