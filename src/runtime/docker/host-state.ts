/**
 * Least privilege in the docker lab: each container sees only what its host would hold on a real
 * network. The key maker (tlslab on the host, or the standalone lab's `pki` service) makes the
 * whole lab PKI in a folder no container mounts, then gives each host a folder of its own,
 * mounted at /lab/state in that container alone:
 *
 *   every host   docker-lab.json (the scenario, addresses, public roots and pins)
 *   isp          the state intermediate's certificate and key (what the box forges with), its
 *                records folder (isp/), which only it writes
 *   a site       its own certificate chain and key; the state root's certificate (public: the
 *                install page hands it out)
 *   a subscriber nothing more: its trust store is built from the public roots in the manifest,
 *                and its own files (browser profile, screenshots) stay in its own folder
 *
 * The layout inside each folder is the full folder's, so the containers' code reads the same
 * paths; what a host should not have is simply not there.
 */
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TrustFacts } from '../../clients/trust-facts.ts';
import type { Scenario } from '../../scenario/schema.ts';
import type { DockerTopology } from './topology.ts';

export const HOSTS_DIR = 'hosts';
/** What every container reads first: its lab, as data (manifest.ts writes it). */
export const MANIFEST_FILE = 'docker-lab.json';
const MANIFEST = MANIFEST_FILE;

/** The files (relative paths) each service's host holds; the secret ones stay 0600. */
export function filesOfHost(topology: DockerTopology, service: string): { public: string[]; secret: string[] } {
  if (service === 'isp') {
    return {
      public: [MANIFEST, 'certs/state-intermediate.pem', 'mitm-ca/certs/ca.pem', 'mitm-ca/keys/ca.public.key'],
      secret: ['keys/stateIntermediate.key', 'mitm-ca/keys/ca.private.key'],
    };
  }
  const site = topology.sites.find((s) => s.service === service);
  if (site) {
    const own = site.https ? { public: [`certs/${site.name}.chain.pem`], secret: [`keys/${site.name}.key`] } : { public: [], secret: [] };
    return { public: [MANIFEST, 'certs/state-root.pem', 'certs/state-root.der', ...own.public], secret: own.secret };
  }
  if (topology.clients.some((c) => c.service === service)) return { public: [MANIFEST], secret: [] };
  if (topology.routers.some((r) => r.service === service)) return { public: [MANIFEST], secret: [] };
  throw new Error(`no host ${service} in this docker lab`);
}

/** Every service that gets a folder: the ISP, each router, each site, each subscriber. */
export function hostServices(topology: DockerTopology): string[] {
  return ['isp', ...topology.routers.map((r) => r.service), ...topology.sites.map((s) => s.service), ...topology.clients.map((c) => c.service)];
}

/**
 * Copy, from the full lab folder `from`, each host's own files into `<hostsRoot>/<service>/`.
 * The manifest goes in last, by rename: a container starts on its manifest (container/main.ts),
 * so it never sees a folder half filled; this lets the runtime start the containers while the
 * keys are still being made.
 */
export async function distributeHostState(from: string, hostsRoot: string, topology: DockerTopology): Promise<void> {
  await Promise.all(
    hostServices(topology).map(async (service) => {
      const files = filesOfHost(topology, service);
      const dir = join(hostsRoot, service);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      // A standalone lab's volumes outlive a scenario: nothing of the last one's stays (the folder itself may be a mount).
      for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
      for (const [list, mode] of [
        [files.public.filter((f) => f !== MANIFEST), 0o644],
        [files.secret, 0o600],
      ] as const) {
        for (const file of list) {
          await mkdir(dirname(join(dir, file)), { recursive: true, mode: mode === 0o600 ? 0o700 : 0o755 });
          await copyFile(join(from, file), join(dir, file));
          await chmod(join(dir, file), mode);
        }
      }
      await copyFile(join(from, MANIFEST), join(dir, `${MANIFEST}.part`));
      await chmod(join(dir, `${MANIFEST}.part`), 0o644);
      await rename(join(dir, `${MANIFEST}.part`), join(dir, MANIFEST));
    }),
  );
}

/** Each host's (empty) folder, so the containers can be created before the keys exist. */
export async function makeHostDirs(hostsRoot: string, topology: DockerTopology): Promise<void> {
  await Promise.all(hostServices(topology).map((service) => mkdir(join(hostsRoot, service), { recursive: true, mode: 0o755 })));
}

/** Where, on the machine that made the keys, the hosts' folders are. */
export function hostsDir(stateDir: string): string {
  return join(stateDir, HOSTS_DIR);
}

/** Where, on the machine that made the keys, a service's folder is. */
export function hostDir(stateDir: string, service: string): string {
  return join(stateDir, HOSTS_DIR, service);
}

/** What tlslab writes for the lab's containers: the scenario, where each host sits, and the trust facts. */
export interface DockerLabManifest {
  version: 1;
  scenario: Scenario;
  topology: DockerTopology;
  facts: TrustFacts;
  roots: { web: string; state: string };
}

export async function readManifest(stateDir: string): Promise<DockerLabManifest> {
  return JSON.parse(await readFile(join(stateDir, MANIFEST_FILE), 'utf8')) as DockerLabManifest;
}
