/**
 * Which compose runs the docker lab: compose v2 (`docker compose`, the plugin Docker ships
 * today) where it is installed, else compose v1 (`docker-compose` 1.29, what Debian 12 has).
 * TLSLAB_COMPOSE chooses one (`docker compose` or `docker-compose`). Both read the lab's files
 * (format 2.4) and both take `-p`, `-f`, `up -d`, `logs`; what differs, the default container
 * names (`p_isp_1` against `p-isp-1`), tlslab's own labs avoid by naming every container.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface ComposeCli {
  /** The program and the words before compose's own arguments: ['docker', 'compose'] or ['docker-compose']. */
  argv: [string, ...string[]];
  /** As a person types it. */
  command: 'docker compose' | 'docker-compose';
  major: 1 | 2;
  version: string;
}

const CANDIDATES: Array<Pick<ComposeCli, 'argv' | 'command'>> = [
  { argv: ['docker', 'compose'], command: 'docker compose' },
  { argv: ['docker-compose'], command: 'docker-compose' },
];

async function probe(c: Pick<ComposeCli, 'argv' | 'command'>): Promise<ComposeCli | null> {
  try {
    const [program, ...pre] = c.argv;
    const { stdout } = await run(program, [...pre, 'version', '--short'], { timeout: 15_000 });
    const version = stdout.trim().replace(/^v/, '');
    return { ...c, version, major: version.startsWith('1.') ? 1 : 2 };
  } catch {
    return null;
  }
}

/** Asked once per process and choice: compose v1 is a Python start (a third of a second). */
const found = new Map<string, Promise<ComposeCli | null>>();

/** The compose to use, or null when neither is installed (or the chosen one is not). */
export function composeCli(env: NodeJS.ProcessEnv = process.env): Promise<ComposeCli | null> {
  const key = env.TLSLAB_COMPOSE ?? '';
  let cli = found.get(key);
  if (!cli) found.set(key, (cli = findCompose(env)));
  return cli;
}

async function findCompose(env: NodeJS.ProcessEnv): Promise<ComposeCli | null> {
  const chosen = env.TLSLAB_COMPOSE?.trim();
  if (chosen) {
    const c = CANDIDATES.find((x) => x.command === chosen.replace(/\s+/g, ' '));
    if (!c) throw new Error(`TLSLAB_COMPOSE is "${chosen}": it may be "docker compose" (compose v2) or "docker-compose" (compose v1)`);
    return probe(c);
  }
  for (const c of CANDIDATES) {
    const cli = await probe(c);
    if (cli) return cli;
  }
  return null;
}
