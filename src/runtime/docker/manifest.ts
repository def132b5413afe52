/**
 * The docker lab's state folder: the keys and certificates of a fresh lab PKI (0600, made by
 * the same code as the local runtime), plus `docker-lab.json`, which tells every container what
 * lab it is in: the scenario, the addresses, and the facts the clients' defences know.
 * Made on the host by `tlslab --runtime docker`, or by the `pki` service of docker/compose.yaml.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trustFactsOf } from '../../clients/trust-facts.ts';
import { createLabPki, type LabPki } from '../../pki/lab-pki.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { httpsHosts } from '../../scenario/sites.ts';
import { hstsHosts } from '../lab-sites.ts';
import { distributeHostState, HOSTS_DIR, MANIFEST_FILE, readManifest, type DockerLabManifest } from './host-state.ts';
import { dockerTopology, type LabNets } from './topology.ts';

export { MANIFEST_FILE, readManifest, type DockerLabManifest };

/** A docker lab's keys, made once; the manifest is written for whichever subnets the lab gets. */
interface DockerLabState {
  pki: LabPki;
  writeManifest(nets: LabNets): Promise<DockerLabManifest>;
}

/**
 * `stateDir` gets the whole lab PKI (no container mounts it); `hostsRoot` gets each host's own
 * share (host-state.ts), by default `stateDir/hosts/<service>`.
 */
export async function createDockerLabState(scenario: Scenario, stateDir: string, hostsRoot = join(stateDir, HOSTS_DIR)): Promise<DockerLabState> {
  const profile = scenario.stateCa;
  const siteNames = httpsHosts(scenario.sites);
  const pki = await createLabPki({ dir: stateDir, profile, nameConstrained: scenario.stateCa.nameConstraints, siteNames, keyPoolSize: 0 });
  const facts = trustFactsOf(pki, siteNames, hstsHosts(scenario.sites));
  const roots = { web: pki.webRoot.cert.pem, state: pki.stateRoot.cert.pem };
  return {
    pki,
    async writeManifest(nets) {
      const manifest: DockerLabManifest = {
        version: 1,
        scenario,
        topology: dockerTopology(scenario.sites, scenario.clients, nets, scenario.interceptor.location),
        facts,
        roots,
      };
      await writeFile(join(stateDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2), { mode: 0o644 });
      await distributeHostState(stateDir, hostsRoot, manifest.topology);
      return manifest;
    },
  };
}
