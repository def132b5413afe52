/**
 * The Docker engine, as the docker runtime needs it (the CLI and a running engine: no compose,
 * start-services.ts), with one clear sentence when something is missing instead of a stack trace.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LAB_IMAGE } from './compose-file.ts';
import { LAB_SUPERNET, type LabNets } from './topology.ts';

const run = promisify(execFile);

type DockerErrorCode = 'TLSLAB_DOCKER_MISSING' | 'TLSLAB_DOCKER_NOT_RUNNING' | 'TLSLAB_IMAGE_MISSING' | 'TLSLAB_DOCKER_FAILED';

export class DockerError extends Error {
  constructor(
    readonly code: DockerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DockerError';
  }
}

/** Checks, in order, what the docker runtime needs; throws a DockerError naming what to do. */
export async function checkDocker(images: string[] = [LAB_IMAGE]): Promise<void> {
  // Asked at once; reported in the order a person fixes them.
  const [engine, ...inspected] = await Promise.allSettled([
    run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 15_000 }),
    ...images.map((image) => run('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { timeout: 15_000 })),
  ]);
  if (engine.status === 'rejected') {
    if ((engine.reason as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DockerError(
        'TLSLAB_DOCKER_MISSING',
        'The docker runtime needs Docker, which is not installed: apt-get install docker.io docker-compose, then start dockerd.',
      );
    }
    throw new DockerError(
      'TLSLAB_DOCKER_NOT_RUNNING',
      'The docker runtime needs the Docker engine, which is not running: start dockerd (or `systemctl start docker`).',
    );
  }
  const missing = images.filter((_, i) => inspected[i]?.status === 'rejected');
  if (missing.length) {
    throw new DockerError(
      'TLSLAB_IMAGE_MISSING',
      `The lab's image${missing.length > 1 ? 's' : ''} ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not built: run docker/build-images.sh (offline), or docker-compose -f docker/compose.yaml build.`,
    );
  }
}

/** The last lines each of these containers printed, headed by its name (for a lab that did not come up). */
export async function containerLogs(containers: string[], lines: number): Promise<string> {
  const logs = await Promise.all(
    containers.map(async (c) => {
      try {
        const { stdout, stderr } = await run('docker', ['logs', '--tail', String(lines), c], { timeout: 15_000, maxBuffer: 16 << 20 });
        return `--- ${c}\n${(stdout + stderr).trimEnd()}`;
      } catch (err) {
        return `--- ${c}: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}`;
      }
    }),
  );
  return logs.join('\n');
}

/**
 * Take a compose project away at once: every container with its label (its services and a
 * program's line) killed and removed, then its networks. What `compose down -t 0` does, without
 * the Python start and the serial stops; used when tlslab itself started the project.
 */
export async function removeProject(project: string): Promise<void> {
  const label = `label=com.docker.compose.project=${project}`;
  const ids = (await run('docker', ['ps', '-aq', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (ids.length) await run('docker', ['rm', '-f', '-v', ...ids], { timeout: 60_000 });
  const nets = (await run('docker', ['network', 'ls', '-q', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (nets.length) await removeNetworks(nets);
}

/**
 * `docker rm -f` returns before the engine has let go of every container's endpoint: a network
 * removed at once may still "have active endpoints" (seen with 22 containers). The engine's own
 * answer is the condition: try again while it says so, for up to 10 s.
 */
async function removeNetworks(nets: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await run('docker', ['network', 'rm', ...nets], { timeout: 60_000 });
      return;
    } catch (err) {
      if (!/active endpoints/.test(String((err as { stderr?: string }).stderr ?? err)) || Date.now() > deadline) throw err;
      const left = (await run('docker', ['network', 'ls', '-q'])).stdout.split('\n');
      nets = nets.filter((n) => left.some((id) => id && n.startsWith(id)));
      if (!nets.length) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The services of a compose project whose containers have exited, with their exit codes. */
/** The host interface of a docker bridge network: `br-` and the first 12 hex digits of its id (Docker's bridge driver names it so). */
export async function bridgeInterface(network: string): Promise<string> {
  const { stdout } = await run('docker', ['network', 'inspect', '-f', '{{.Id}}|{{index .Options "com.docker.network.bridge.name"}}', network]);
  const [id = '', named = ''] = stdout.trim().split('|');
  return named && named !== '<no value>' ? named : `br-${id.slice(0, 12)}`;
}

export async function exitedServices(project: string): Promise<Map<string, number>> {
  const { stdout } = await run('docker', [
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    'status=exited',
    '--format',
    '{{.Label "com.docker.compose.service"}} {{.Status}}',
  ]);
  const exited = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const [, service, code] = /^(\S+) Exited \((-?\d+)\)/.exec(line) ?? [];
    if (service && code) exited.set(service, Number(code));
  }
  return exited;
}

/** Subnets every existing Docker network uses, but those of the compose project `except`. */
async function usedSubnets(except?: string): Promise<Set<string>> {
  const { stdout: ids } = await run('docker', ['network', 'ls', '-q']);
  const list = ids.split('\n').filter(Boolean);
  if (!list.length) return new Set();
  const { stdout } = await run('docker', [
    'network',
    'inspect',
    '--format',
    '{{index .Labels "com.docker.compose.project"}} {{range .IPAM.Config}}{{.Subnet}} {{end}}',
    ...list,
  ]);
  const subnets = stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([project]) => !except || project !== except)
    .flatMap(([, ...nets]) => nets);
  return new Set(subnets.filter(Boolean));
}

/**
 * When no network of any other lab is left (10.89.0.0/16: tlslab's and the standalone files'),
 * take the host's forwarding rule out again (hostnet-fix.sh remove); while another lab runs, it
 * stays. `leaving` is the project being taken down, so this can run while its networks go.
 */
export async function removeHostRuleIfLast(leaving?: string): Promise<boolean> {
  const left = [...(await usedSubnets(leaving))].some((s) => s.startsWith('10.89.'));
  if (left) return false;
  await run(
    'docker',
    [
      'run',
      '--rm',
      '--network',
      'host',
      '--cap-add',
      'NET_ADMIN',
      '-e',
      `LAB_SUPERNET=${LAB_SUPERNET}`,
      `${LAB_IMAGE}:latest`,
      'sh',
      'docker/container/hostnet-fix.sh',
      'remove',
    ],
    { timeout: 30_000 },
  );
  return true;
}

/** A pair of free /24s inside 10.89.0.0/16 for one lab, skipping `avoid` (pairs tried already). */
export async function freeNets(avoid: Set<string> = new Set()): Promise<LabNets> {
  const used = await usedSubnets();
  // From the second pair: the first (10.89.0, 10.89.1) is the standalone files' default, and a
  // tlslab lab holding it would make `docker-compose -f docker/compose.yaml up` fail.
  for (let i = 1; i < 127; i++) {
    const nets = { home: `10.89.${2 * i}`, internet: `10.89.${2 * i + 1}` };
    if (!used.has(`${nets.home}.0/24`) && !used.has(`${nets.internet}.0/24`) && !avoid.has(nets.home)) return nets;
  }
  throw new DockerError(
    'TLSLAB_DOCKER_FAILED',
    'no free pair of subnets left in 10.89.0.0/16: stop other docker labs (`docker compose -p <project> down`, or docker-compose)',
  );
}
