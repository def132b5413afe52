/** docker/compose.yaml's one-shot `pki` service: a fresh lab PKI into the state volume. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveScenario } from '../../../scenario/loader.ts';
import { STATE_MOUNT } from '../compose-file.ts';
import { createDockerLabState, MANIFEST_FILE } from '../manifest.ts';
import { DEFAULT_NETS } from '../topology.ts';

export async function runPki(): Promise<void> {
  if (existsSync(join(STATE_MOUNT, MANIFEST_FILE))) {
    console.log(JSON.stringify({ event: 'pki', kept: STATE_MOUNT }));
    return;
  }
  const scenario = await resolveScenario(process.env.TLSLAB_SCENARIO ?? 'kz-2019');
  const nets = { home: process.env.TLSLAB_HOME_NET ?? DEFAULT_NETS.home, internet: process.env.TLSLAB_INTERNET_NET ?? DEFAULT_NETS.internet };
  const state = await createDockerLabState(scenario, STATE_MOUNT);
  await state.writeManifest(nets);
  state.pki.close();
  console.log(JSON.stringify({ event: 'pki', scenario: scenario.name, stateDir: STATE_MOUNT }));
}
