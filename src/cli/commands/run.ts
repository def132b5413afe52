import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Report } from '../../scenario/report.ts';
import type { RuntimeName } from '../../runtime/lab.ts';
import { toHar } from '../../interceptor/exports/har.ts';
import { startLab } from '../../runtime/start-lab.ts';
import { installShutdown } from '../shutdown.ts';
import { withLab } from '../with-lab.ts';
import { resolveScenario } from '../../scenario/loader.ts';
import { narrateReport } from '../../scenario/narrate.ts';
import { colours } from '../colour.ts';
import { progress } from '../progress.ts';
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
  stateDir: string;
  keepState: boolean;
  runtime: RuntimeName;
}

export async function runCommand(name: string, opts: RunOptions): Promise<void> {
  installShutdown();
  const scenario = onlyClients(await resolveScenario(name), opts.clients);
  const started = Date.now();
  const where = opts.runtime === 'docker' ? 'containers' : 'loopback';
  process.stderr.write(`Starting the ${scenario.name} lab (fresh keys, sites, ISP box; ${where})…\n`);
  const starting = startLab(scenario, { runtime: opts.runtime, stateRoot: opts.stateDir, keepState: opts.keepState });
  await withLab(starting, async (lab) => {
    const shown = progress(process.stderr, started);
    const report = await runScenario(lab, {
      onStepStart: (i, n, step) => shown.step(i, n, step.title, scenario.clients.length),
      onStep: (_step, client, run) => shown.done(client, run.skipped ? 'skipped' : 'ran'),
    });
    shown.finish();
    report.durationMs = Date.now() - started;
    const shots = await keepScreenshots(report, join(opts.stateDir, 'runs', basename(lab.describe().stateDir)));
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
    if (shots) written.push(`screenshots ${shots}`);
    if (opts.json) await writeJson(opts.json, report);
    if (opts.keepState) written.push(`keys and certificates ${lab.describe().stateDir}`);
    if (written.length) (toStdout ? process.stderr : process.stdout).write(`Wrote ${written.join(', ')}.\n`);
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
 * Screenshots outlive the lab (its state folder, keys included, is deleted when it stops):
 * they are copied to a runs folder without any key, and the report points at the copies.
 */
async function keepScreenshots(report: Report, dir: string): Promise<string | null> {
  const all = report.steps.flatMap((s) => s.clients.flatMap((c) => c.screenshots.map((file, i) => ({ c, i, file }))));
  if (all.length === 0) return null;
  await mkdir(dir, { recursive: true });
  for (const { c, i, file } of all) {
    const kept = join(dir, `${c.client}-${basename(file)}`);
    await copyFile(file, kept);
    c.screenshots[i] = kept;
  }
  return dir;
}
