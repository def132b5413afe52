/**
 * A researcher's machine on a subscriber line (`tlslab detect --runtime docker`): reads one
 * ProbeJob as JSON on stdin, runs it, writes the ProbeResult as JSON on stdout. tlslab starts it
 * with `docker run --rm -i`, its route already through the lab's path (DockerLab.measure).
 */
import { runProbeJob, type ProbeJob } from '../../../measure/probe-job.ts';

export async function runProbe(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProbeJob;
  process.stdout.write(JSON.stringify(await runProbeJob(job)) + '\n');
}
