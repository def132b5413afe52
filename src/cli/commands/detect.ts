import type { RuntimeName } from '../../runtime/lab.ts';
import { startLab } from '../../runtime/start-lab.ts';
import { detectInterception, detectionReport } from '../../scenario/detect.ts';
import { resolveScenario } from '../../scenario/loader.ts';

export interface DetectOptions {
  scenario: string;
  stateDir: string;
  json?: boolean;
  runtime?: RuntimeName;
}

/**
 * `tlslab detect`: start a scenario's lab and find its box from a subscriber line, by Raman et
 * al.'s methods alone (a control SNI against every lab name, at every server; where the line has hops
 * the triggering ClientHello with growing TTL too), then score what it found against the
 * scenario's own target list and location.
 */
export async function detectCommand(opts: DetectOptions): Promise<void> {
  const scenario = await resolveScenario(opts.scenario);
  const lab = await startLab(scenario, { stateRoot: opts.stateDir, runtime: opts.runtime });
  try {
    const candidates = lab
      .describe()
      .hosts.filter((h) => h.role === 'site')
      .map((h) => h.name);
    const det = await detectInterception(scenario, lab, candidates);
    if (opts.json) process.stdout.write(JSON.stringify({ scenario: scenario.name, ...det }, null, 2) + '\n');
    else
      process.stdout.write(
        `Probing ${det.servers.length} servers with ${candidates.length} names each, and a control name (Raman et al., IMC 2020)\n\n${detectionReport(det)}\n`,
      );
  } finally {
    await lab.stop();
  }
}
