/**
 * The compose file of a docker lab, generated from its topology. Two flavours:
 * - `runtime`: what `tlslab run|up --runtime docker` starts: the lab's state folder (keys made
 *   by tlslab on the host, 0600) bind-mounted into every container;
 * - `standalone`: docker/compose.yaml and docker/compose/<scenario>.yaml, for `docker-compose up`
 *   with nothing else installed: a one-shot `pki` service makes the keys of the file's own
 *   scenario into a named volume; the networks come from TLSLAB_HOME_NET/TLSLAB_INTERNET_NET.
 * Compose file format 2.4: compose v1 (docker-compose 1.29) reads it, and so does compose v2.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { HOSTS_MOUNT, READY_DIR, STATE_MOUNT } from './paths.ts';
import { HOSTS_DIR, hostServices } from './host-state.ts';
import { LAB_SUPERNET, type DockerTopology } from './topology.ts';

/** Every host's image: node, the lab's code, the router's and the shell's tools. */
export const LAB_IMAGE = 'tlslab/lab';
/** The same with Chromium: only the subscribers that browse get it (~700 MB more). */
const BROWSER_IMAGE = 'tlslab/browser';

/** The image a subscriber's machine runs. */
function imageOfClient(client: Pick<DockerTopology['clients'][number], 'program'>): string {
  return client.program === 'chromium' ? BROWSER_IMAGE : LAB_IMAGE;
}

/** The images a lab with these subscribers starts. */
export function imagesOf(clients: ReadonlyArray<Pick<DockerTopology['clients'][number], 'program'>>): string[] {
  return [...new Set([LAB_IMAGE, ...clients.map(imageOfClient)])];
}
export { STATE_MOUNT };
/** What every container runs: the bundle `npm run build` makes (docker/bundle-container-code.mjs). */
const MAIN = ['node', 'dist/container/main.js'];

interface ComposeOptions {
  mode: 'runtime' | 'standalone';
  /** runtime: the host folder to bind-mount. */
  stateDir?: string;
  /** runtime: the compose project; every container is named `<project>-<service>` (containerName). */
  project?: string;
  /** The scenario's name: standalone, the one the pki service makes keys for; runtime, informative. */
  scenario?: string;
  /** standalone: the project root, relative to the compose file (where docker/Dockerfile is). */
  buildContext?: string;
}

type Service = Record<string, unknown>;

/** A runtime lab's network (home or internet). */
export function networkName(project: string, network: 'home' | 'internet'): string {
  return `${project}_${network}`;
}

/** A runtime lab's container for one service. */
export function containerName(project: string, service: string): string {
  return `${project}-${service}`;
}

export function composeFile(topology: DockerTopology, opts: ComposeOptions): Record<string, unknown> {
  const standalone = opts.mode === 'standalone';
  // Each container mounts its own host's folder only (host-state.ts): never the whole lab's keys.
  const volume = (service: string) => (standalone ? `state-${service}:${STATE_MOUNT}` : `${join(opts.stateDir!, HOSTS_DIR, service)}:${STATE_MOUNT}`);
  const image: Service = { image: `${LAB_IMAGE}:latest` };
  // Where no registry is reachable the images come from docker/build-images.sh; elsewhere
  // `docker-compose build` builds them: hostnet-fix (which starts first) the lab image, and the
  // browsing subscribers the browser image (the same Dockerfile with Chromium).
  const build = (browser: boolean): Service =>
    standalone ? { build: { context: opts.buildContext ?? '..', dockerfile: 'docker/Dockerfile', ...(browser ? { args: { BROWSER: '1' } } : {}) } } : {};
  // The hosts start at once: each waits for its own manifest (main.ts), which the key maker
  // writes last. Nothing waits for hostnet-fix: the host's rule matters only once traffic flows,
  // which is after "ready" (the runtime checks it exited 0; the standalone `ready` waits for it).
  const after: Service = standalone ? { depends_on: { pki: { condition: 'service_completed_successfully' } } } : {};
  // Named by tlslab, not by compose: v1 and v2 would name them differently (p_isp_1, p-isp-1).
  const named = (service: string): Service => (opts.project ? { container_name: containerName(opts.project, service) } : {});
  const host = (service: string, extra: Service): Service => ({
    ...image,
    ...named(service),
    init: true,
    volumes: [volume(service)],
    ...after,
    // Healthy once it serves: the file it writes when ready (container/ready.ts). Only in the
    // standalone files, where `ready` waits on it: each check is a `docker exec`, and 19 of them
    // a second cost the lab a fifth of a core for as long as it runs; tlslab reads the files itself.
    ...(standalone
      ? { healthcheck: { test: ['CMD', 'test', '-f', `${STATE_MOUNT}/${READY_DIR}/${service}`], interval: '2s', timeout: '3s', retries: 150 } }
      : {}),
    ...extra,
  });

  const services: Record<string, Service> = {
    // Docker's own isolation rules drop frames routed through a container between two internal
    // bridges; this one-shot lets lab addresses reach lab addresses, and nothing else.
    'hostnet-fix': {
      ...image,
      ...build(false),
      ...named('hostnet-fix'),
      network_mode: 'host',
      cap_add: ['NET_ADMIN'],
      environment: { LAB_SUPERNET },
      command: ['sh', 'docker/container/hostnet-fix.sh'],
    },
  };
  if (standalone) {
    services.pki = {
      ...image,
      depends_on: { 'hostnet-fix': { condition: 'service_completed_successfully' } },
      // Its own volume holds the whole lab's keys; it hands each host its share (host-state.ts).
      volumes: ['state-pki:/lab/state', ...hostServices(topology).map((s) => `state-${s}:${HOSTS_MOUNT}/${s}`)],
      network_mode: 'none',
      environment: {
        // Fixed: the file's containers are this scenario's hosts and subscribers.
        TLSLAB_SCENARIO: opts.scenario ?? 'kz-2019',
        TLSLAB_HOME_NET: topology.nets.home,
        TLSLAB_INTERNET_NET: topology.nets.internet,
      },
      command: [...MAIN, 'pki'],
    };
  }
  services.isp = host('isp', {
    cap_add: ['NET_ADMIN'],
    sysctls: { 'net.ipv4.ip_forward': '1' },
    networks: { home: { ipv4_address: topology.isp.home }, internet: { ipv4_address: topology.isp.internet } },
    command: [...MAIN, 'isp'],
  });
  for (const router of topology.routers) {
    services[router.service] = host(router.service, {
      cap_add: ['NET_ADMIN'],
      // It forwards out of the segment it heard from: no ICMP redirect may tell the hosts to skip it.
      sysctls: {
        'net.ipv4.ip_forward': '1',
        'net.ipv4.conf.all.send_redirects': '0',
        'net.ipv4.conf.default.send_redirects': '0',
        'net.ipv4.conf.eth0.send_redirects': '0',
      },
      networks: { [router.side === 'before' ? 'home' : 'internet']: { ipv4_address: router.address } },
      command: [...MAIN, 'router', router.service],
    });
  }
  for (const site of topology.sites) {
    services[site.service] = host(site.service, {
      networks: { internet: { ipv4_address: site.address } },
      command: [...MAIN, 'site', site.name],
    });
  }
  for (const client of topology.clients) {
    services[client.service] = host(client.service, {
      image: `${imageOfClient(client)}:latest`,
      ...build(client.program === 'chromium'),
      // Only to set its own default route through the ISP (inside its own network namespace).
      cap_add: ['NET_ADMIN'],
      dns: [topology.isp.home],
      // Chromium needs more than Docker's default 64 MB of /dev/shm.
      shm_size: '512m',
      networks: { home: { ipv4_address: client.address } },
      command: [...MAIN, 'client', client.name],
    });
  }
  if (standalone) {
    // `docker-compose up -d` starts this one last, once every host is healthy, so it returns
    // when the lab serves (compose v1 has no --wait; v2's `up --wait` works as well).
    services.ready = {
      ...image,
      depends_on: {
        'hostnet-fix': { condition: 'service_completed_successfully' },
        ...Object.fromEntries(hostServices(topology).map((s) => [s, { condition: 'service_healthy' }])),
      },
      network_mode: 'none',
      command: ['echo', 'the lab is ready'],
    };
  }
  const network = (prefix: string, key: 'home' | 'internet') => ({
    // Named by tlslab too, so a program's line (program-container.ts) finds it under either compose.
    ...(opts.project ? { name: networkName(opts.project, key) } : {}),
    driver: 'bridge',
    internal: true,
    // No address for the host on the lab's bridges: containers cannot reach the host either.
    driver_opts: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
    ipam: { config: [{ subnet: `${prefix}.0/24` }] },
  });
  return {
    version: '2.4',
    services,
    networks: { home: network(topology.nets.home, 'home'), internet: network(topology.nets.internet, 'internet') },
    ...(standalone ? { volumes: Object.fromEntries(['pki', ...hostServices(topology)].map((s) => [`state-${s}`, {}])) } : {}),
  };
}

/** A compose file (composeFile's) as YAML, under a comment header. */
export function composeYaml(file: Record<string, unknown>, header: string[] = []): string {
  return header.map((l) => `# ${l}`.trimEnd() + '\n').join('') + stringify(file, { lineWidth: 0, aliasDuplicateObjects: false });
}
