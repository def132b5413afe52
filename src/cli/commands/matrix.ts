import { writeFile } from 'node:fs/promises';
import { CLIENT_PROFILES } from '../../scenario/client-profiles.ts';
import type { RuntimeName } from '../../runtime/lab.ts';
import { startLab } from '../../runtime/start-lab.ts';
import { progress } from '../progress.ts';
import { verboseLog } from '../verbose.ts';
import { listScenarios, loadScenario, scenariosDir } from '../../scenario/loader.ts';
import { matrixMarkdown, matrixTable } from '../../scenario/matrix-table.ts';
import { runMatrix } from '../../scenario/matrix.ts';
import { closest } from '../../scenario/yaml-validation.ts';
import { colours } from '../colour.ts';
import { UsageError } from '../exit-codes.ts';
import { writeJson } from '../json-output.ts';
import { matrixJunit, writeJunit } from '../junit.ts';
import { installShutdown, onShutdown } from '../shutdown.ts';

export interface MatrixOptions {
  verbose?: boolean;
  json?: string;
  junit?: string;
  markdown?: string;
  stateDir: string;
  variants?: string;
  profiles?: string;
  runtime: RuntimeName;
}

/** The names a comma-separated option picks from `valid`; a typo is a usage error naming the valid ones. */
export function pick(option: string, text: string | undefined, valid: string[]): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !valid.includes(n));
  if (unknown.length) {
    const guesses = unknown.map((n) => (closest(n, valid) ? `"${n}" (did you mean "${closest(n, valid)}"?)` : `"${n}"`));
    throw new UsageError(`${option}: no ${guesses.join(', ')}; the valid names are ${valid.join(', ')}`);
  }
  return names;
}

export async function matrixCommand(opts: MatrixOptions): Promise<void> {
  installShutdown();
  const all = (await Promise.all((await listScenarios(scenariosDir())).map((s) => loadScenario(s.file)))).filter((s) => s.matrix);
  const only = pick(
    '--variants',
    opts.variants,
    all.map((s) => s.name),
  );
  const profiles = pick(
    '--profiles',
    opts.profiles,
    CLIENT_PROFILES.map((c) => c.name),
  );
  const variants = all.filter((s) => !only || only.includes(s.name));
  process.stderr.write(`Running ${variants.length} interceptor variants, each with fresh keys, against every client profile…\n`);
  // Each column's lab is stopped on Ctrl-C too, whenever it comes (shutdown.ts).
  const started = Date.now();
  const verbose = verboseLog(opts.verbose, started);
  const shown = progress(process.stderr, started, { plain: !!verbose });
  const startColumn = (s: Parameters<typeof startLab>[0]) => {
    const onPhase = (what: string, ms: number) => {
      verbose?.(`${s.name}: ${what}`, ms);
      shown.phase(what);
    };
    const starting = startLab(s, { stateRoot: opts.stateDir, runtime: opts.runtime, onPhase });
    onShutdown(async () => (await starting.catch(() => null))?.stop());
    return starting;
  };
  const profileNames = profiles ?? CLIENT_PROFILES.map((c) => c.name);
  const report = await runMatrix(
    variants,
    startColumn,
    {
      onColumnStart: (i, n, name) => shown.column(i, n, name),
      onStepStart: (i, n, step) => shown.step(i, n, step.title, profileNames),
      onStep: (step, client, _run, ms) => {
        verbose?.(`step ${step}, ${client}`, ms);
        shown.done(client);
      },
      onColumnDone: (name, ms) => shown.columnDone(name, ms),
    },
    profiles,
  ).finally(() => shown.finish());
  if (opts.json !== '-') process.stdout.write(matrixTable(report, colours(process.stdout)) + '\n');
  if (opts.json) await writeJson(opts.json, report);
  if (opts.junit) await writeJunit(opts.junit, matrixJunit(report));
  if (opts.markdown) await writeFile(opts.markdown, matrixMarkdown(report));
  if (!report.passed) process.exitCode = 1;
}
