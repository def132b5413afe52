/** A command a person pastes into a terminal, with what it must show (scenario/hand-tries.ts). */
export interface HandCommand {
  title: string;
  command: string;
  /** What it prints (a part of its output) and how it exits; absent for a command that opens a shell or follows a log. */
  expect?: { exit: number; prints: string };
}

/** Quote for a POSIX shell: single quotes, each inner one closed, escaped and reopened. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What curl prints for each thing a try shows (`-w`). */
export const WRITE_OUT = { status: '%{http_code}', location: '%{redirect_url}', 'status and location': '%{http_code} %{redirect_url}' } as const;
