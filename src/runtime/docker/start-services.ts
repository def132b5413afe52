/**
 * Start a runtime lab's compose file (compose-file.ts, mode `runtime`) with the docker CLI alone:
 * its two networks, then every service's container, all at once, the ISP box's first.
 *
 * Why not `compose up`: compose v1 is a Python start and over a CPU-second of its own for
 * kz-2019's 23 containers, on a machine whose two cores are already the limit while they start
 * (started and removed: median 8.6 s this way, 9.4 s through `docker-compose up`; docs/benchmarks.md). And
 * v1 and v2 differ (naming, `--wait`): without compose, tlslab's labs work the same under either,
 * or none. The compose file is still what the lab is: each container carries compose's labels,
 * so `docker-compose -p <project> -f <lab>/compose.yaml ps|logs|exec` work on it.
 *
 * Only the keys the runtime file uses are translated; any other is an error, so a change to the
 * generator that this does not follow fails the first lab that starts, not silently.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DockerError } from './engine.ts';

const run = promisify(execFile);

export interface ComposeService {
  image: string;
  container_name: string;
  command: string[];
  init?: boolean;
  volumes?: string[];
  cap_add?: string[];
  sysctls?: Record<string, string>;
  networks?: Record<string, { ipv4_address: string }>;
  network_mode?: 'host' | 'none';
  dns?: string[];
  shm_size?: string;
  environment?: Record<string, string>;
}

export interface ComposeNetwork {
  name: string;
  driver: 'bridge';
  internal: boolean;
  driver_opts: Record<string, string>;
  ipam: { config: Array<{ subnet: string }> };
}

export interface RuntimeComposeFile {
  services: Record<string, ComposeService>;
  networks: Record<string, ComposeNetwork>;
}

const SERVICE_KEYS = new Set([
  'image',
  'container_name',
  'command',
  'init',
  'volumes',
  'cap_add',
  'sysctls',
  'networks',
  'network_mode',
  'dns',
  'shm_size',
  'environment',
]);
const NETWORK_KEYS = new Set(['name', 'driver', 'internal', 'driver_opts', 'ipam']);

/** The labels compose itself puts on what it makes: its `ps`, `logs` and `exec` find containers by them. */
function composeLabels(project: string, kind: 'service' | 'network', name: string): string[] {
  return [
    `com.docker.compose.project=${project}`,
    `com.docker.compose.${kind}=${name}`,
    ...(kind === 'service' ? ['com.docker.compose.oneoff=False', 'com.docker.compose.container-number=1'] : []),
  ].flatMap((l) => ['--label', l]);
}

function refuseUnknown(what: string, value: object, known: Set<string>): void {
  const unknown = Object.keys(value).filter((k) => !known.has(k));
  if (unknown.length)
    throw new Error(`start-services.ts does not translate ${what}'s ${unknown.join(', ')}: teach it, or leave them out of the runtime's compose file`);
}

export function networkCreateArgs(project: string, key: string, n: ComposeNetwork): string[] {
  refuseUnknown(`network ${key}`, n, NETWORK_KEYS);
  return [
    'network',
    'create',
    '--driver',
    n.driver,
    ...(n.internal ? ['--internal'] : []),
    ...Object.entries(n.driver_opts).flatMap(([k, v]) => ['--opt', `${k}=${v}`]),
    ...n.ipam.config.flatMap((c) => ['--subnet', c.subnet]),
    ...composeLabels(project, 'network', key),
    n.name,
  ];
}

/**
 * `docker create` for one service, on its first network, and the `docker network connect`s for
 * the others (the CLI takes one address on one network at create). Compose gives each container
 * its service name as an alias on each network; so does this.
 */
export function serviceArgs(
  project: string,
  service: string,
  s: ComposeService,
  networks: Record<string, ComposeNetwork>,
): { create: string[]; connect: string[][] } {
  refuseUnknown(`service ${service}`, s, SERVICE_KEYS);
  const attached = Object.entries(s.networks ?? {}).map(([key, n]) => {
    const net = networks[key];
    if (!net) throw new Error(`service ${service} is on network ${key}, which the compose file does not define`);
    return { name: net.name, ip: n.ipv4_address };
  });
  const [first, ...rest] = attached;
  const create = [
    'create',
    '--name',
    s.container_name,
    ...composeLabels(project, 'service', service),
    ...(s.init ? ['--init'] : []),
    ...(s.volumes ?? []).flatMap((v) => ['--volume', v]),
    ...(s.cap_add ?? []).flatMap((c) => ['--cap-add', c]),
    ...Object.entries(s.sysctls ?? {}).flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]),
    ...(s.dns ?? []).flatMap((d) => ['--dns', d]),
    ...(s.shm_size ? ['--shm-size', s.shm_size] : []),
    ...Object.entries(s.environment ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...(s.network_mode ? ['--network', s.network_mode] : []),
    ...(first ? ['--network', first.name, '--ip', first.ip, '--network-alias', service] : []),
    s.image,
    ...s.command,
  ];
  const connect = rest.map((n) => ['network', 'connect', '--ip', n.ip, '--alias', service, n.name, s.container_name]);
  return { create, connect };
}

/** Docker's own words when it refuses, not the CLI's command line. */
async function docker(args: string[]): Promise<string> {
  try {
    return (await run('docker', args, { timeout: 120_000 })).stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new DockerError('TLSLAB_DOCKER_FAILED', `docker ${args.slice(0, 2).join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/**
 * Create the networks, then create, connect and start every container. `first` is asked for
 * before the rest (the ISP box: the others are ready sooner than it is). Rejects with Docker's
 * own message (a subnet that overlaps another network's says "overlaps").
 */
export async function startServices(project: string, file: RuntimeComposeFile, first?: string): Promise<void> {
  await Promise.all(Object.entries(file.networks).map(([key, n]) => docker(networkCreateArgs(project, key, n))));
  const startOne = async (service: string) => {
    const { create, connect } = serviceArgs(project, service, file.services[service]!, file.networks);
    // One CLI start for a container on one network (`run -d` is create and start).
    if (!connect.length) return void (await docker(['run', '--detach', ...create.slice(1)]));
    await docker(create);
    for (const c of connect) await docker(c);
    await docker(['start', file.services[service]!.container_name]);
  };
  const names = Object.keys(file.services).sort((a, b) => Number(b === first) - Number(a === first));
  await Promise.all(names.map(startOne));
}
