/**
 * What both runtimes do to run a program of the user's own (`tlslab test`): the trust it is
 * given, and a child process watched to its end, its output kept, killed at its deadline.
 */
import { spawn } from 'node:child_process';
import type { ProgramRun } from './lab.ts';

/** The system bundle OpenSSL, curl, Go and Python's ssl read by default. */
export const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** Variables that tell common runtimes which roots to trust (OpenSSL, Node, Python requests, curl). */
export const TRUST_VARIABLES = ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'] as const;
/** How much of each stream is kept: the end, where the error is. */
const KEEP_BYTES = 65_536;

/** Run `command args`, keeping the last 64 KiB of stdout and stderr; at the deadline, `kill` ends it. */
export function watchProgram(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; kill?: () => void }): Promise<ProgramRun> {
  const child = spawn(command, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const from = Date.now();
  const out = { stdout: '', stderr: '' };
  const keep = (key: 'stdout' | 'stderr') => (chunk: Buffer) => {
    out[key] = (out[key] + chunk.toString('utf8')).slice(-KEEP_BYTES);
  };
  child.stdout.on('data', keep('stdout'));
  child.stderr.on('data', keep('stderr'));
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      (opts.kill ?? (() => child.kill('SIGKILL')))();
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code, signal, ...out, from, to: Date.now(), timedOut });
    });
  });
}
