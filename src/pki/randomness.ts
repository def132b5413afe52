import { randomBytes } from 'node:crypto';

/** Where certificates get their time and their random bits: injected so tests are deterministic. */
export interface CertEntropy {
  now(): Date;
  randomBytes(n: number): Buffer;
}

export const systemEntropy: CertEntropy = {
  now: () => new Date(),
  randomBytes: (n) => randomBytes(n),
};
