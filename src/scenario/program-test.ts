/**
 * `tlslab test`: a program of the user's own, run as a subscriber of the scenario's lab (its own
 * line into the box, the lab's names, the roots it is told to trust, no proxy settings), and for
 * each site the same verdict `tlslab run` gives the lab's own clients: exposed, refused (with a
 * cause, from the program's own words), untouched or blocked; what the box read from it; and
 * how the program exited.
 */
import type { Attempt } from '../clients/http-client.ts';
import { PROGRAM_LINE, type Lab } from '../runtime/lab.ts';
import { FlowIndex, outcomeOf } from './outcomes.ts';
import type { ReportResult } from './report.ts';
import type { TrustAnchor } from './schema.ts';

/** Replaced by each site's URL in the command's arguments. */
const URL_PLACEHOLDER = '{url}';
/** Lines of the program's stderr kept in the report. */
const STDERR_TAIL = 8;

interface ProgramTestOptions {
  command: string[];
  /** Where the runtime runs programs from images (runtimes.ts, `program: 'image'`): the image to run it in. */
  image?: string;
  trusts: TrustAnchor[];
  /** The sites to try; each gets its own run when the command has {url}. */
  sites: string[];
  timeoutMs: number;
}

/**
 * The same verdict fields as a `tlslab run` result (report.ts); `error` is the program's own words
 * (the last line of its stderr, with its exit code), and `connections` 0 means it never reached the site.
 */
export interface ProgramSiteResult extends Pick<ReportResult, 'site' | 'outcome' | 'cause' | 'issuer' | 'error' | 'why' | 'connections'> {
  url: string;
  /** What the box read from it on this site. */
  captured: Array<{ kind: string; value: string }>;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stderrTail: string[];
}

export interface ProgramReport {
  scenario: string;
  runtime: Lab['runtime'];
  command: string[];
  trusts: TrustAnchor[];
  startedAt: string;
  durationMs: number;
  results: ProgramSiteResult[];
  /** Read by the box on at least one site: what `tlslab test` exits 1 for. */
  exposed: boolean;
}

/** The TLS sites a program is tried against by default: every web site of the scenario (not the tunnel exit). */
export function defaultProgramSites(lab: Lab): string[] {
  return lab.scenario.sites.filter((s) => s.kind !== 'install-page' && s.kind !== 'vpn').map((s) => s.host);
}

export async function testProgram(lab: Lab, opts: ProgramTestOptions): Promise<ProgramReport> {
  const started = Date.now();
  const perSite = opts.command.some((a) => a.includes(URL_PLACEHOLDER));
  const runs = perSite
    ? await sequential(opts.sites, async (site) => ({
        sites: [site],
        run: await lab.runProgram({
          line: PROGRAM_LINE,
          trusts: opts.trusts,
          command: withUrl(opts.command, site),
          timeoutMs: opts.timeoutMs,
          image: opts.image,
        }),
      }))
    : [
        {
          sites: opts.sites,
          run: await lab.runProgram({ line: PROGRAM_LINE, trusts: opts.trusts, command: opts.command, timeoutMs: opts.timeoutMs, image: opts.image }),
        },
      ];
  await lab.settled();
  const flows = new FlowIndex(lab.interceptorEvents());
  const results: ProgramSiteResult[] = [];
  for (const { sites, run } of runs) {
    const stderrTail = run.stderr.trimEnd().split('\n').filter(Boolean).slice(-STDERR_TAIL);
    const failed = run.timedOut || run.exitCode !== 0;
    const words = stderrTail.length ? stderrTail.join(' ') : `exit code ${run.exitCode ?? run.signal}`;
    for (const site of sites) {
      const url = `https://${site}/`;
      const window = { client: PROGRAM_LINE, from: run.from - 1, to: run.to + 60 };
      const connections = flows.connectionsOf({ site, url, scheme: 'https', local: null, issuer: null, error: null, status: null }, window);
      // One run for several sites: its failure belongs to the sites the box stood in for, not to those it let through.
      const blame = failed && (perSite || connections.some((c) => c.decision === 'intercept' || c.decision === 'block'));
      const attempt: Attempt = {
        site,
        url,
        scheme: 'https',
        local: null,
        issuer: null,
        // A refusal is read from the program's own words, as from any client's (refusal.ts).
        error: blame
          ? {
              code: run.timedOut ? 'TIMEOUT' : `EXIT_${run.exitCode ?? run.signal}`,
              message: run.timedOut ? `no answer within ${opts.timeoutMs} ms; ${words}` : words,
            }
          : null,
        status: null,
      };
      const o = outcomeOf(attempt, flows, window);
      results.push({
        site,
        url,
        outcome: o.outcome,
        cause: o.cause,
        issuer: o.issuerShown,
        error: o.outcome === 'refused' || o.outcome === 'blocked' ? o.error : null,
        why: connections.length ? o.why : 'the program never connected to it',
        connections: connections.length,
        captured: connections.flatMap((c) => flows.capturesOf(c.flow)).map((c) => ({ kind: c.kind, value: c.value })),
        exitCode: run.exitCode,
        signal: run.signal,
        timedOut: run.timedOut,
        stderrTail,
      });
    }
  }
  return {
    scenario: lab.scenario.name,
    runtime: lab.runtime,
    command: opts.command,
    trusts: opts.trusts,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    results,
    exposed: results.some((r) => r.outcome === 'exposed'),
  };
}

function withUrl(command: string[], site: string): string[] {
  return command.map((a) => a.replaceAll(URL_PLACEHOLDER, `https://${site}/`));
}

async function sequential<T, R>(items: T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await f(item));
  return out;
}
