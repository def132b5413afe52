/** A standalone compose file's one-shot `pki` service: a fresh lab PKI into the state volume. */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveScenario } from '../../../scenario/loader.ts';
import { HOSTS_MOUNT, STATE_MOUNT } from '../paths.ts';
import { createDockerLabState, MANIFEST_FILE, readManifest } from '../manifest.ts';
import { DEFAULT_NETS } from '../topology.ts';

export async function runPki(): Promise<void> {
  const wanted = process.env.TLSLAB_SCENARIO ?? 'kz-2019';
  if (existsSync(join(STATE_MOUNT, MANIFEST_FILE))) {
    const kept = await readManifest(STATE_MOUNT);
    if (kept.scenario.name === wanted) {
      console.log(JSON.stringify({ event: 'pki', kept: STATE_MOUNT, scenario: wanted }));
      return;
    }
    // The volume holds another scenario's lab (compose files in one folder share a project):
    // its keys go, and this scenario's are made, so no container serves the other lab's world.
    for (const entry of await readdir(STATE_MOUNT)) await rm(join(STATE_MOUNT, entry), { recursive: true, force: true });
    console.log(JSON.stringify({ event: 'pki', replaced: kept.scenario.name, scenario: wanted }));
  }
  const scenario = await resolveScenario(wanted);
  const nets = { home: process.env.TLSLAB_HOME_NET ?? DEFAULT_NETS.home, internet: process.env.TLSLAB_INTERNET_NET ?? DEFAULT_NETS.internet };
  const state = await createDockerLabState(scenario, STATE_MOUNT, HOSTS_MOUNT);
  await state.writeManifest(nets);
  state.pki.close();
  console.log(JSON.stringify({ event: 'pki', scenario: scenario.name, stateDir: STATE_MOUNT }));
}
