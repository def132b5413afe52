/**
 * A researcher's probe on a subscriber line of the docker lab (`tlslab detect --runtime
 * docker`): a one-shot container of the lab's image at its own address on the home network, its
 * default route through the lab's path like every subscriber's, NET_ADMIN inside its own network
 * namespace only (the TTL probe's iptables rule). It takes the job on stdin and answers on stdout.
 */
import { spawn } from 'node:child_process';
import { holdContainer, releaseContainer } from '../leftovers.ts';
import type { ProbeJob, ProbeResult } from '../../measure/probe-job.ts';
import { containerName, LAB_IMAGE } from './compose-file.ts';

export async function runProbeContainer(opts: {
  project: string;
  network: string;
  address: string;
  dns: string;
  gateway: string;
  job: ProbeJob;
  timeoutMs?: number;
}): Promise<ProbeResult> {
  const name = containerName(opts.project, 'probe');
  holdContainer(name);
  try {
    const child = spawn('docker', [
      'run',
      '--rm',
      '-i',
      '--init',
      '--name',
      name,
      '--network',
      opts.network,
      '--ip',
      opts.address,
      '--dns',
      opts.dns,
      '--cap-add',
      'NET_ADMIN',
      '--label',
      `com.docker.compose.project=${opts.project}`,
      LAB_IMAGE,
      'sh',
      '-c',
      `ip route replace default via ${opts.gateway} && exec node dist/container/main.js probe`,
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.end(JSON.stringify(opts.job));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    const last = out.trim().split('\n').pop() ?? '';
    if (code !== 0 || !last.startsWith('{')) throw new Error(`the probe container ${name} failed (${code}): ${err.trim() || out.trim() || 'no output'}`);
    return JSON.parse(last) as ProbeResult;
  } finally {
    releaseContainer(name);
  }
}
