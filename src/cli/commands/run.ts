import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Report } from '../../scenario/report.ts';
import type { RuntimeName } from '../../runtime/lab.ts';
import { RUNTIMES } from '../../runtime/runtimes.ts';
import { toHar } from '../../interceptor/exports/har.ts';
import { startLab } from '../../runtime/start-lab.ts';
import { installShutdown } from '../shutdown.ts';
import { withLab } from '../with-lab.ts';
import { resolveScenario } from '../../scenario/loader.ts';
import { narrateReport } from '../../scenario/narrate.ts';
import { colours } from '../colour.ts';
import { checkHandoutFile, writeHandout } from '../handout-file.ts';
import { progress } from '../progress.ts';
import { verboseLog } from '../verbose.ts';
import { writeJson } from '../json-output.ts';
import { reportJunit, writeJunit } from '../junit.ts';
import { runScenario } from '../../scenario/runner.ts';
import type { Scenario } from '../../scenario/schema.ts';

export interface RunOptions {
  clients?: string[];
  json?: string;
  junit?: string;
  har?: string;
  keylog?: string;
  pcap?: string;
  screenshots?: string;
  report?: string;
  verbose?: boolean;
  stateDir: string;
  keepState: boolean;
  runtime: RuntimeName;
}

export async function runCommand(name: string, opts: RunOptions): Promise<void> {
  checkHandoutFile(opts.report);
  installShutdown();
  const scenario = onlyClients(await resolveScenario(name), opts.clients);
  const started = Date.now();
  const where = RUNTIMES[opts.runtime].where;
  process.stderr.write(`Starting the ${scenario.name} lab (fresh keys, sites, ISP box; ${where})…\n`);
  const verbose = verboseLog(opts.verbose, started);
  const shown = progress(process.stderr, started, { plain: !!verbose });
  const onPhase = (what: string, ms: number) => {
    verbose?.(what, ms);
    shown.phase(what);
  };
  const starting = startLab(scenario, { runtime: opts.runtime, stateRoot: opts.stateDir, keepState: opts.keepState, onPhase });
  // A start that fails must not leave the live line (or its timer) behind the error.
  starting.catch(() => shown.finish());
  await withLab(starting, async (lab) => {
    shown.ready();
    const capture = opts.pcap ? await lab.capturePackets() : null;
    const clients = scenario.clients.map((c) => c.name);
    const report = await runScenario(lab, {
      onStepStart: (i, n, step) => shown.step(i, n, step.title, clients),
      onStep: (step, client, run, ms) => {
        verbose?.(`step ${step}, ${client}${run.skipped ? ' (skipped)' : ''}`, ms);
        shown.done(client);
      },
    }).finally(() => shown.finish());
    report.durationMs = Date.now() - started;
    // Before the screenshots go with the lab: the handout carries them.
    const handout = opts.report ? await writeHandout(opts.report, report) : null;
    const shots = await keepScreenshots(report, opts);
    const oldRuns = await removeOldRuns(opts.stateDir);
    // `--json -`: the report is stdout, so the narration goes to stderr (a person still sees it).
    const toStdout = opts.json === '-';
    (toStdout ? process.stderr : process.stdout).write(narrateReport(report, colours(toStdout ? process.stderr : process.stdout)) + '\n');
    const written: string[] = [];
    if (opts.json && !toStdout) written.push(`report ${opts.json}`);
    if (opts.junit) {
      await writeJunit(opts.junit, reportJunit(report));
      written.push(`JUnit ${opts.junit}`);
    }
    if (opts.har) {
      await writeFile(opts.har, JSON.stringify(toHar(lab.exchanges(), { name: 'tlslab', version: '0.1.0' }), null, 2) + '\n');
      written.push(`HAR ${opts.har}`);
    }
    if (opts.keylog) {
      await writeFile(opts.keylog, lab.keylog().join(''), { mode: 0o600 });
      written.push(`key log ${opts.keylog}`);
    }
    if (capture && opts.pcap) {
      const { packets } = await capture.save(opts.pcap, lab.keylog());
      written.push(`packets ${opts.pcap} (${packets} packets, both sides of the box, TLS secrets inside)`);
    }
    if (handout) written.push(handout);
    if (shots.kept) written.push(`screenshots ${shots.kept}`);
    if (opts.json) await writeJson(opts.json, report);
    if (opts.keepState) written.push(`keys and certificates ${lab.describe().stateDir}`);
    const say = (text: string) => (toStdout ? process.stderr : process.stdout).write(`${text}\n`);
    if (written.length) say(`Wrote ${written.join(', ')}.`);
    if (shots.dropped && !handout) say(`Chromium took ${shots.dropped} screenshots; they went with the lab (--screenshots DIR keeps them).`);
    if (oldRuns) say(oldRuns);
    if (!report.passed) process.exitCode = 1;
  });
}

/** `--clients a b`: the scenario with just those clients, and just their expectations. */
export function onlyClients(scenario: Scenario, names: string[] | undefined): Scenario {
  if (!names?.length) return scenario;
  const known = scenario.clients.map((c) => c.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) {
    throw Object.assign(new Error(`${scenario.name} has no client ${unknown.join(', ')}; its clients are ${known.join(', ')}`), {
      code: 'TLSLAB_UNKNOWN_CLIENT',
    });
  }
  return {
    ...scenario,
    clients: scenario.clients.filter((c) => names.includes(c.name)),
    expect: scenario.expect.filter((x) => names.includes(x.client)),
  };
}

/**
 * Chromium's screenshots are taken into the lab's state folder, which goes when the lab stops
 * (keys included). They stay only where asked: copied to `--screenshots DIR` (the report points
 * at the copies), or left in the state folder with `--keep-state`. Otherwise the report drops the
 * paths that are about to vanish, and the line written says how to keep them.
 */
async function keepScreenshots(report: Report, opts: Pick<RunOptions, 'screenshots' | 'keepState'>): Promise<{ kept?: string; dropped?: number }> {
  const all = report.steps.flatMap((s) => s.clients.flatMap((c) => c.screenshots.map((file, i) => ({ c, i, file }))));
  if (all.length === 0 || (opts.keepState && !opts.screenshots)) return {};
  if (!opts.screenshots) {
    for (const s of report.steps) for (const c of s.clients) c.screenshots = [];
    return { dropped: all.length };
  }
  await mkdir(opts.screenshots, { recursive: true });
  for (const { c, i, file } of all) {
    const kept = join(opts.screenshots, `${c.client}-${basename(file)}`);
    await copyFile(file, kept);
    c.screenshots[i] = kept;
  }
  return { kept: opts.screenshots };
}

/**
 * Earlier versions copied every run's screenshots under `<state dir>/runs/`, never cleaned
 * (tens of MB after a few runs). Nothing writes there now: the folder goes, with one line said.
 */
async function removeOldRuns(stateDir: string): Promise<string | null> {
  const dir = join(stateDir, 'runs');
  const entries = await readdir(dir).catch(() => null);
  if (!entries) return null;
  await rm(dir, { recursive: true, force: true });
  return `Removed ${dir}: the screenshots of ${entries.length} earlier runs (tlslab keeps them now only with --screenshots DIR).`;
}
