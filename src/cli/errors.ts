import { exitCodeOf } from './exit-codes.ts';

/** Errors reach a person as one clear paragraph, not a stack trace (TLSLAB_DEBUG=1 shows it); the exit code says what kind (exit-codes.ts). */
export function exitWithError(err: unknown): never {
  const e = err as Error & { code?: string };
  const code = e.code && /^TLSLAB_|^SITE_ERR/.test(e.code) ? ` [${e.code}]` : '';
  process.stderr.write(`tlslab: ${e.message ?? String(err)}${code}\n`);
  if (process.env.TLSLAB_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(exitCodeOf(err));
}
