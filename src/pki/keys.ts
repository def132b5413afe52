import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';

/** An RSA key pair made by node's crypto on the libuv thread pool, never on the event loop. */
export interface LabKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privateKeyPem: string;
  publicKeyPem: string;
  bits: number;
  exponent: number;
}

export function generateRsaKey(bits: number, exponent = 65537): Promise<LabKey> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: bits, publicExponent: exponent }, (err, publicKey, privateKey) => {
      if (err) return reject(err);
      resolve({
        privateKey,
        publicKey,
        privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        bits,
        exponent,
      });
    });
  });
}

/** A key written earlier to a lab's state folder (a runtime's other processes read them there). */
export function labKeyFromPem(privateKeyPem: string): LabKey {
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  const details = privateKey.asymmetricKeyDetails ?? {};
  return {
    privateKey,
    publicKey,
    privateKeyPem,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    bits: details.modulusLength ?? 0,
    exponent: Number(details.publicExponent ?? 65537n),
  };
}

/**
 * Keys generated ahead of need, so that no intercepted connection waits on a key
 * generation (http-mitm-proxy's own minting blocks the event loop ~200 ms per host).
 * `take()` hands out a ready key at once when one is there and refills in the background.
 */
export class KeyPool {
  private readonly ready: LabKey[] = [];
  private readonly waiting: Array<{ resolve: (k: LabKey) => void; reject: (e: unknown) => void }> = [];
  private inFlight = 0;
  private closed = false;
  private fillWaiters: Array<() => void> = [];

  constructor(
    readonly bits: number,
    readonly exponent: number,
    readonly size: number,
  ) {
    this.refill();
  }

  take(): Promise<LabKey> {
    const key = this.ready.shift();
    const result = key ? Promise.resolve(key) : new Promise<LabKey>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.refill();
    return result;
  }

  /** Resolves once the pool holds `size` keys (used before a benchmark or a run starts). */
  filled(): Promise<void> {
    if (this.ready.length >= this.size || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.fillWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('key pool closed'));
    for (const f of this.fillWaiters.splice(0)) f();
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.inFlight < this.size + this.waiting.length) {
      this.inFlight++;
      generateRsaKey(this.bits, this.exponent).then(
        (key) => {
          this.inFlight--;
          const waiter = this.waiting.shift();
          if (waiter) waiter.resolve(key);
          else if (!this.closed) this.ready.push(key);
          if (this.ready.length >= this.size) for (const f of this.fillWaiters.splice(0)) f();
          this.refill();
        },
        (err) => {
          this.inFlight--;
          this.waiting.shift()?.reject(err);
        },
      );
    }
  }
}
