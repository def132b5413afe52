/**
 * tlslab's exit codes, the same for every command (docs/ci.md): a CI job can tell a finding from a
 * broken setup.
 */
export const EXIT = {
  /** Every expectation held; the program was refused or untouched everywhere. */
  ok: 0,
  /** An expectation failed, or the program under test was read by the box. */
  failed: 1,
  /** The command line or a scenario file is wrong: nothing was started. */
  usage: 2,
  /** The lab could not start (its runtime's engine missing, no root for a namespace, a port taken…). */
  labFailed: 3,
  /** Interrupted with Ctrl-C; the lab was stopped and its keys deleted first. */
  interrupted: 130,
} as const;

/** A mistake on the command line: exit 2, one sentence. */
export class UsageError extends Error {
  readonly code = 'TLSLAB_USAGE';
  readonly exitCode = EXIT.usage;
}

/** Error codes that mean "you asked for something that is not there", not "the lab broke". */
const USAGE_CODES = /^TLSLAB_(USAGE|SCENARIO_|UNKNOWN_)/;

/** The exit code an error ends the command with. */
export function exitCodeOf(err: unknown): number {
  const e = err as { exitCode?: unknown; code?: unknown };
  if (typeof e?.exitCode === 'number') return e.exitCode;
  if (typeof e?.code === 'string' && USAGE_CODES.test(e.code)) return EXIT.usage;
  return EXIT.labFailed;
}
