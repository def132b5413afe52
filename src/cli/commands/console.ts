import { loadMatrixView } from '../../console/matrix-view.ts';
import { startConsoleServer } from '../../console/server.ts';
import type { RuntimeName } from '../../runtime/lab.ts';
import { startLab } from '../../runtime/start-lab.ts';
import { resolveScenario } from '../../scenario/loader.ts';

export interface ConsoleOptions {
  scenario: string;
  port: string;
  matrix?: string;
  stateDir: string;
  runtime: RuntimeName;
}

export async function consoleCommand(opts: ConsoleOptions): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port} is not a port number (0 to 65535; 0 picks a free one)`);
  const scenario = await resolveScenario(opts.scenario);
  const matrix = opts.matrix ? await loadMatrixView(opts.matrix) : null;
  const lab = await startLab(scenario, { runtime: opts.runtime, stateRoot: opts.stateDir });
  let server;
  try {
    server = await startConsoleServer({ lab, port, matrix });
  } catch (err) {
    await lab.stop();
    throw err;
  }
  process.stdout.write(`The ${scenario.name} lab is up. Open the console: ${server.url}\nCtrl-C stops it and deletes its keys.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('\nStopping the console and the lab…\n');
  await server.close();
  await lab.stop();
  process.stdout.write('Stopped; its keys are deleted.\n');
}
