/**
 * A scenario client that is a program of the team's own (`program: { command: [...] }`): each
 * session step runs the command once, as a subscriber with no proxy settings (Lab.runProgram),
 * with the step's facts in its arguments. It is judged like every client: the box's records on
 * its line during the step, and its own words when it failed.
 */
import type { ProgramRun } from '../runtime/lab.ts';
import { siteOf, type SessionStep } from '../scenario/schema.ts';
import type { LabClient } from './lab-client.ts';
import { NotSupported } from './not-supported.ts';
import type { StepRun } from './step-run.ts';

/** What `{…}` in a command's arguments becomes for a step. */
export const COMMAND_PLACEHOLDERS = ['{url}', '{site}', '{username}', '{password}', '{query}'] as const;

/** How the runtime runs the program on this client's line; absent where it cannot. */
type RunOnLine = ((command: string[]) => Promise<ProgramRun>) | undefined;

export class CommandClient implements LabClient {
  constructor(
    private readonly command: string[],
    private readonly run: RunOnLine,
  ) {}

  async runStep(step: SessionStep): Promise<StepRun> {
    const a = step.action;
    const site = siteOf(a);
    const url = a.kind === 'browse' ? a.url : `https://${site}/`;
    if (!this.run) {
      return { step: step.id, attempts: [], summary: `skipped: ${new NotSupported('this runtime cannot run a program of your own').message}`, skipped: true };
    }
    const values: Record<(typeof COMMAND_PLACEHOLDERS)[number], string> = {
      '{url}': url,
      '{site}': site,
      '{username}': 'username' in a ? a.username : '',
      '{password}': 'password' in a ? a.password : '',
      '{query}': a.kind === 'search' ? a.query : '',
    };
    const command = this.command.map((arg) => COMMAND_PLACEHOLDERS.reduce((s, p) => s.replaceAll(p, values[p]), arg));
    const r = await this.run(command);
    const words = r.stderr.trimEnd().split('\n').filter(Boolean).slice(-3).join(' ') || `exit code ${r.exitCode ?? r.signal}`;
    const failed = r.timedOut || r.exitCode !== 0;
    const scheme = url.startsWith('http:') ? 'http' : 'https';
    return {
      step: step.id,
      attempts: [
        { site, url, scheme, local: null, issuer: null, error: failed ? { code: `EXIT_${r.exitCode ?? r.signal}`, message: words } : null, status: null },
      ],
      summary: failed
        ? `${command[0]} failed on ${url} (exit ${r.exitCode ?? r.signal}): ${words}`
        : `${command[0]} ran on ${url}: exit 0${r.stdout.trim() ? `, "${r.stdout.trim().split('\n').at(-1)!.slice(0, 80)}"` : ''}`,
    };
  }

  async close(): Promise<void> {}
}
