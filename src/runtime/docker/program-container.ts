/**
 * A program of the user's own in the docker lab (`tlslab test --runtime docker --image IMAGE`):
 * the user's image runs as a subscriber. A small helper container from the lab's image holds the
 * line: an address on the home network the ISP box knows as the program's line, its default route
 * towards the ISP box (through the routers before it, if any) and the lab's DNS, as every subscriber's machine has. The user's container
 * joins that network namespace (`--network container:`), so it needs no tool and no capability of
 * its own, and trusts what the state asked people to install: the chosen roots at the system
 * bundle's path and in the variables common runtimes read.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { holdContainer, releaseContainer } from '../leftovers.ts';
import type { ProgramRun } from '../lab.ts';
import { SYSTEM_BUNDLE, TRUST_VARIABLES, watchProgram } from '../program-process.ts';
import { containerName, LAB_IMAGE } from './compose-file.ts';

const run = promisify(execFile);
const PINS = '/tlslab/pins.json';

export class ProgramContainerLine {
  private runs = 0;

  private constructor(
    private readonly helper: string,
    private readonly dir: string,
  ) {}

  /** Start the helper holding the line at `address` on the lab's home network. */
  static async start(opts: { project: string; network: string; address: string; isp: string; gateway: string; dir: string }): Promise<ProgramContainerLine> {
    const helper = containerName(opts.project, 'program-line');
    holdContainer(helper);
    try {
      await run('docker', [
        'run',
        '-d',
        '--init',
        '--name',
        helper,
        '--network',
        opts.network,
        '--ip',
        opts.address,
        '--dns',
        opts.isp,
        '--cap-add',
        'NET_ADMIN',
        '--label',
        `com.docker.compose.project=${opts.project}`,
        LAB_IMAGE,
        'sh',
        '-c',
        `ip route replace default via ${opts.gateway} && exec sleep infinity`,
      ]);
      await mkdir(opts.dir, { recursive: true, mode: 0o700 });
      return new ProgramContainerLine(helper, opts.dir);
    } catch (err) {
      await run('docker', ['rm', '-f', helper]).catch(() => undefined);
      releaseContainer(helper);
      throw err;
    }
  }

  async runProgram(image: string, command: string[], opts: { trustPem: string; pinsFile: string; timeoutMs: number }): Promise<ProgramRun> {
    const bundle = join(this.dir, `bundle-${++this.runs}.pem`);
    await writeFile(bundle, opts.trustPem, { mode: 0o644 });
    const name = `${this.helper}-${this.runs}`;
    const env = [...TRUST_VARIABLES.flatMap((v) => ['-e', `${v}=${SYSTEM_BUNDLE}`]), '-e', `TLSLAB_PINS_FILE=${PINS}`];
    const args = [
      'run',
      '--rm',
      '--name',
      name,
      '--network',
      `container:${this.helper}`,
      '-v',
      `${bundle}:${SYSTEM_BUNDLE}:ro`,
      '-v',
      `${opts.pinsFile}:${PINS}:ro`,
      ...env,
      image,
      ...command,
    ];
    holdContainer(name);
    try {
      return await watchProgram('docker', args, { timeoutMs: opts.timeoutMs, kill: () => void run('docker', ['kill', name]).catch(() => undefined) });
    } finally {
      releaseContainer(name);
    }
  }

  async close(): Promise<void> {
    await run('docker', ['rm', '-f', this.helper]).catch(() => undefined);
    releaseContainer(this.helper);
  }
}
