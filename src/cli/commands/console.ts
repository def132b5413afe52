import { loadMatrixView } from '../../console/matrix-view.ts';
import { startConsoleServer } from '../../console/server.ts';
import type { RuntimeName } from '../../runtime/lab.ts';
import { startLab } from '../../runtime/start-lab.ts';
import { RUNTIMES } from '../../runtime/runtimes.ts';
import { resolveScenario } from '../../scenario/loader.ts';
import { installShutdown, onShutdown } from '../shutdown.ts';
import { labStartProgress } from '../progress.ts';

export interface ConsoleOptions {
  scenario: string;
  port: string;
  matrix?: string;
  stateDir: string;
  runtime: RuntimeName;
  verbose?: boolean;
}

export async function consoleCommand(opts: ConsoleOptions): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port} is not a port number (0 to 65535; 0 picks a free one)`);
  // A signal or a closed stdout is how the console is meant to end (exit 0), at any moment (shutdown.ts).
  installShutdown({ signalExitCode: 0 });
  const scenario = await resolveScenario(opts.scenario);
  const matrix = opts.matrix ? await loadMatrixView(opts.matrix) : null;
  process.stderr.write(`Starting the ${scenario.name} lab (fresh keys, sites, ISP box; ${RUNTIMES[opts.runtime].where}), then the console…\n`);
  const shown = labStartProgress(opts.verbose);
  const starting = startLab(scenario, { runtime: opts.runtime, stateRoot: opts.stateDir, onPhase: shown.onPhase });
  void starting.then(shown.ready, shown.finish);
  onShutdown(async () => (await starting.catch(() => null))?.stop());
  const lab = await starting;
  let server;
  try {
    server = await startConsoleServer({ lab, port, matrix });
  } catch (err) {
    await lab.stop();
    throw err;
  }
  const started = server;
  // Registered after the lab, so it closes first: the page is told, then the lab stops.
  onShutdown(() => started.close());
  process.stdout.write(`The ${scenario.name} lab is up. Open the console: ${server.url}\nCtrl-C stops it and deletes its keys.\n`);
}
