import { writeFile } from 'node:fs/promises';
import { startLab } from '../../runtime/start-lab.ts';
import { listScenarios, loadScenario, scenariosDir } from '../../scenario/loader.ts';
import { matrixMarkdown, matrixTable } from '../../scenario/matrix-table.ts';
import { runMatrix } from '../../scenario/matrix.ts';
import { ansi } from '../../scenario/narrate.ts';
import { installShutdown, onShutdown } from '../shutdown.ts';

export interface MatrixOptions {
  json?: string;
  markdown?: string;
  stateDir: string;
  only?: string[];
}

export async function matrixCommand(opts: MatrixOptions): Promise<void> {
  installShutdown();
  const all = await Promise.all((await listScenarios(scenariosDir())).map((s) => loadScenario(s.file)));
  const variants = all.filter((s) => s.matrix && (!opts.only || opts.only.includes(s.name)));
  if (variants.length === 0) throw new Error(`no scenario with a matrix block${opts.only ? ` among ${opts.only.join(', ')}` : ''}`);
  process.stderr.write(`Running ${variants.length} interceptor variants, each with fresh keys, against every client profile…\n`);
  // Each column's lab is stopped on Ctrl-C too, whenever it comes (shutdown.ts).
  const startColumn = (s: Parameters<typeof startLab>[0]) => {
    const starting = startLab(s, { stateRoot: opts.stateDir });
    onShutdown(async () => (await starting.catch(() => null))?.stop());
    return starting;
  };
  const report = await runMatrix(variants, startColumn, (name, ms) =>
    process.stderr.write(`  ${name} done in ${(ms / 1000).toFixed(1)} s\n`),
  );
  process.stdout.write(matrixTable(report, process.stdout.isTTY ? ansi : undefined) + '\n');
  if (opts.json) await writeFile(opts.json, JSON.stringify(report, null, 2) + '\n');
  if (opts.markdown) await writeFile(opts.markdown, matrixMarkdown(report));
  if (!report.passed) process.exitCode = 1;
}
