/**
 * A network and mount namespace for a program of the user's own (`tlslab test`), so that it
 * reaches the lab exactly as an unmodified program on a subscriber's machine would: it resolves
 * `bank.example` with its ordinary resolver (/etc/hosts inside the namespace), connects to port
 * 443 with no proxy settings, and its connection crosses the ISP box, which sees the program's
 * own TCP connection (an iptables DNAT inside the namespace, the same idea as the docker lab's
 * REDIRECT). It trusts what a state would ask people to install: the chosen roots in the
 * namespace's system bundle and in the variables common runtimes read.
 *
 * Nothing leaves the lab: the namespace has no default route and no resolver, so any name outside
 * the lab fails to resolve and any address outside it is unreachable. Its one link is a veth pair
 * to this process's network namespace; the box listens on the host end, which only that link
 * reaches. Made with `ip netns` (iproute2) and `iptables` as root; `ip netns del` removes the
 * namespace and its link, and the files live in the lab's state folder.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Endpoint } from '../../interceptor/events.ts';
import { holdNamespace, releaseNamespace } from '../leftovers.ts';
import type { ProgramRun } from '../lab.ts';
import { SYSTEM_BUNDLE, TRUST_VARIABLES, watchProgram } from '../program-process.ts';

const run = promisify(execFile);

/** The namespace's view of the lab: each site at 10.90.1.<its number>, on the ports a client dials. */
const PROGRAM_SITE_BLOCK = '10.90.1';
/** The veth links: one /30 each, somewhere in 10.91.0.0/16. */
const LINK_BLOCK = '10.91';

interface NamespaceSite {
  name: string;
  /** Last octet of its address in the namespace. */
  number: number;
}

class NamespaceUnavailable extends Error {
  readonly code = 'TLSLAB_NAMESPACE_UNAVAILABLE';
}

/** Why this machine cannot make a program namespace, or null when it can. */
export async function namespaceProblem(): Promise<string | null> {
  if (process.platform !== 'linux') return 'running your own program inside the lab needs Linux network namespaces';
  if (process.getuid?.() !== 0)
    return 'running your own program inside the lab needs root (it makes a network namespace with `ip netns`); run tlslab as root, or in the docker lab';
  for (const tool of ['ip', 'iptables']) {
    try {
      await run(tool, ['-V']);
    } catch {
      return `running your own program inside the lab needs \`${tool}\` (Debian: apt-get install ${tool === 'ip' ? 'iproute2' : 'iptables'})`;
    }
  }
  return null;
}

export class ProgramNamespace {
  private closed = false;

  private constructor(
    readonly name: string,
    /** The host end of the link: the box's listeners for this line bind here. */
    readonly hostAddress: string,
    private readonly dir: string,
    private readonly bundle: string,
  ) {}

  /**
   * Make the namespace, its link and its files. `listen` is called with the host end's address
   * once the link is up and returns, for each site, the box's endpoints on it.
   */
  static async create(opts: {
    dir: string;
    sites: NamespaceSite[];
    trustPem: string;
    listen(hostAddress: string): Promise<Map<string, { https?: Endpoint; http?: Endpoint }>>;
  }): Promise<ProgramNamespace> {
    const problem = await namespaceProblem();
    if (problem) throw new NamespaceUnavailable(problem);
    const id = `${process.pid % 10_000}${randomInt(1000, 9999)}`;
    const name = `tlslab-${id}`;
    const link = await freeLink();
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const bundle = join(opts.dir, 'ca-certificates.crt');
    await writeFile(bundle, opts.trustPem, { mode: 0o644 });
    await writeFile(join(opts.dir, 'hosts'), ['127.0.0.1 localhost', ...opts.sites.map((s) => `${PROGRAM_SITE_BLOCK}.${s.number} ${s.name}`), ''].join('\n'));
    // No resolver: a name outside the lab fails at once instead of leaving the machine.
    await writeFile(join(opts.dir, 'resolv.conf'), '# tls-interception-lab: no resolver; only the lab names in /etc/hosts resolve\n');
    const ns = new ProgramNamespace(name, link.host, opts.dir, bundle);
    const inNs = (...args: string[]) => run('ip', ['netns', 'exec', name, ...args]);
    try {
      holdNamespace(name);
      await run('ip', ['netns', 'add', name]);
      await run('ip', ['link', 'add', `tl${id}h`, 'type', 'veth', 'peer', 'name', `tl${id}n`]);
      await run('ip', ['link', 'set', `tl${id}n`, 'netns', name]);
      await run('ip', ['addr', 'add', `${link.host}/30`, 'dev', `tl${id}h`]);
      await run('ip', ['link', 'set', `tl${id}h`, 'up']);
      await inNs('ip', 'link', 'set', 'lo', 'up');
      await inNs('ip', 'addr', 'add', `${link.peer}/30`, 'dev', `tl${id}n`);
      await inNs('ip', 'link', 'set', `tl${id}n`, 'up');
      // The lab's addresses and nothing else: no default route.
      await inNs('ip', 'route', 'add', `${PROGRAM_SITE_BLOCK}.0/24`, 'via', link.host);
      const routes = await opts.listen(link.host);
      for (const site of opts.sites) {
        const r = routes.get(site.name);
        for (const [port, to] of [
          [443, r?.https],
          [80, r?.http],
        ] as const) {
          if (!to) continue;
          await inNs(
            'iptables',
            '-t',
            'nat',
            '-A',
            'OUTPUT',
            '-d',
            `${PROGRAM_SITE_BLOCK}.${site.number}`,
            '-p',
            'tcp',
            '--dport',
            String(port),
            '-j',
            'DNAT',
            '--to-destination',
            `${to.address}:${to.port}`,
          );
        }
      }
      return ns;
    } catch (err) {
      await ns.close();
      throw err;
    }
  }

  /** Run the program inside, with the lab's names, routes and trust; its output is kept (the last 64 KiB of each stream). */
  runProgram(command: string[], opts: { timeoutMs: number; env?: Record<string, string> }): Promise<ProgramRun> {
    // The files come in as arguments, so no path (a state folder with a space) is read as shell.
    const mounts = `mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && mount --bind "$3" ${SYSTEM_BUNDLE} && shift 3`;
    const files = [join(this.dir, 'hosts'), join(this.dir, 'resolv.conf'), this.bundle];
    const env: Record<string, string> = { ...process.env, ...opts.env } as Record<string, string>;
    for (const v of TRUST_VARIABLES) env[v] = this.bundle;
    // A proxy variable would send the program around the box: the point is that it needs none.
    for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy']) delete env[v];
    // `ip netns exec` gives the program its own mount namespace (slave to the machine's), so these binds never reach the machine.
    return watchProgram('ip', ['netns', 'exec', this.name, 'sh', '-c', `${mounts} && exec "$@"`, 'tlslab-program', ...files, ...command], {
      env,
      timeoutMs: opts.timeoutMs,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Deleting the namespace deletes its end of the link, and with it the host's end.
    await run('ip', ['netns', 'del', this.name]).catch(() => undefined);
    releaseNamespace(this.name);
  }
}

/** A /30 in 10.91.0.0/16 that no interface of this machine uses yet. */
async function freeLink(): Promise<{ host: string; peer: string }> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (let tries = 0; tries < 64; tries++) {
    const i = randomInt(0, 16_384);
    const third = i >> 6;
    const fourth = (i & 63) * 4;
    const host = `${LINK_BLOCK}.${third}.${fourth + 1}`;
    if (!stdout.includes(` ${host}/`)) return { host, peer: `${LINK_BLOCK}.${third}.${fourth + 2}` };
  }
  throw new Error('no free /30 in 10.91.0.0/16 for a program namespace');
}
