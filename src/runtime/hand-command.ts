export type TrustStore = 'web' | 'web+state';

/** One request a person makes by hand, as one of the scenario's subscribers would. */
export interface HandTry {
  /** The comment above the command: what it shows, and what must happen. */
  title: string;
  /** Whose machine, by what it trusts; `client` is a scenario client holding exactly that store (null: none does). */
  as: { trusts: TrustStore; client: string | null };
  request:
    | {
        tool: 'curl';
        scheme: 'https' | 'http';
        site: string;
        method: 'GET' | 'POST';
        path: string;
        form?: string;
        show: 'status' | 'location' | 'status and location';
      }
    | { tool: 'openssl'; site: string; show: 'issuer' };
  /** What the command prints (a part of its output), and how it exits. */
  expect: { exit: number; prints: string };
}

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
