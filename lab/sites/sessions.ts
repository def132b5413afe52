import { randomHex } from './http.ts';

/**
 * In-memory sessions of one site instance: random token → value. Tokens are what a
 * cookie or bearer header carries, which is exactly what the interceptor can steal.
 */
export class SessionStore<T> {
  private readonly byToken = new Map<string, T>();

  /** A site left up all day forgets its oldest sessions rather than grow without end. */
  constructor(private readonly limit = 10_000) {}

  create(value: T): string {
    const token = randomHex(16);
    this.set(token, value);
    return token;
  }

  lookup(token: string | undefined): T | undefined {
    return token === undefined ? undefined : this.byToken.get(token);
  }

  has(token: string | undefined): boolean {
    return token !== undefined && this.byToken.has(token);
  }

  set(token: string, value: T): void {
    if (!this.byToken.has(token) && this.byToken.size >= this.limit) this.byToken.delete(this.byToken.keys().next().value!);
    this.byToken.set(token, value);
  }

  end(token: string | undefined): void {
    if (token !== undefined) this.byToken.delete(token);
  }
}
