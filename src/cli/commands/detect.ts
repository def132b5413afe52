import { readFile } from 'node:fs/promises';
import { startLab } from '../../runtime/start-lab.ts';
import { detectInterception, detectionReport } from '../../scenario/detect.ts';
import { resolveScenario } from '../../scenario/loader.ts';

export interface DetectOptions {
  scenario: string;
  stateDir: string;
  json?: boolean;
}

/**
 * `tlslab detect`: start a scenario's lab and find its box from outside, by Raman et al.'s
 * method alone (a control SNI against every lab name, at every server), then score what it
 * found against the scenario's own target list.
 */
export async function detectCommand(opts: DetectOptions): Promise<void> {
  const scenario = await resolveScenario(opts.scenario);
  const lab = await startLab(scenario, { stateRoot: opts.stateDir });
  try {
    const d = lab.describe();
    if (!d.hosts.some((h) => h.role === 'site' && h.routes?.https)) {
      throw Object.assign(new Error('this lab gives no route to its sites from here (the docker lab: run the probe from a subscriber\'s machine)'), { code: 'TLSLAB_NO_ROUTES' });
    }
    const candidates = d.hosts.filter((h) => h.role === 'site').map((h) => h.name);
    const det = await detectInterception(scenario, d, await readFile(d.trust.webRoot, 'utf8'), candidates);
    if (opts.json) process.stdout.write(JSON.stringify({ scenario: scenario.name, ...det }, null, 2) + '\n');
    else process.stdout.write(`Probing ${det.servers.length} servers with ${candidates.length} names each, and a control name (Raman et al., IMC 2020)\n\n${detectionReport(det)}\n`);
  } finally {
    await lab.stop();
  }
}
