import { listScenarios, scenariosDir } from '../../scenario/loader.ts';

export async function listCommand(): Promise<void> {
  const scenarios = await listScenarios(scenariosDir());
  const width = Math.max(...scenarios.map((s) => s.name.length)) + 2;
  for (const s of scenarios) process.stdout.write(`${s.name.padEnd(width)}${s.summary}\n`);
}
