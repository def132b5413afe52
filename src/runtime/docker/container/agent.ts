/**
 * Runs session steps as one client, inside its container, with the same client code as the
 * local runtime (scripted, curl, openssl or Chromium). tlslab on the host starts it once per
 * client with `docker exec -i` and keeps it for the lab's life, so cookies, learned HSTS and the
 * browser profile last from step to step, as they do locally.
 *
 * Protocol: one JSON request per line on stdin, `{"id":1,"step":{...}}`; one reply per line on
 * stdout, prefixed with AGENT_PREFIX (the programs it drives may print too): `{"id":1,"run":{...}}`
 * or `{"id":1,"error":"..."}`. End of stdin closes the client.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LabClient } from '../../../clients/lab-client.ts';
import type { SessionStep } from '../../../scenario/schema.ts';
import { startClient } from '../../start-client.ts';
import { STATE_MOUNT } from '../paths.ts';
import { NotInThisLab } from './not-in-this-lab.ts';
import type { DockerLabManifest } from '../manifest.ts';

export const AGENT_PREFIX = '@tlslab-agent ';

export async function runAgent(m: DockerLabManifest, name: string): Promise<void> {
  const spec = m.scenario.clients.find((c) => c.name === name);
  const me = m.topology.clients.find((c) => c.name === name);
  if (!spec || !me) throw new NotInThisLab(m, 'client', name);
  const reply = (r: object) => process.stdout.write(AGENT_PREFIX + JSON.stringify(r) + '\n');
  let client: Promise<LabClient> | undefined;
  const start = () =>
    (client ??= startClient(
      spec,
      {
        name,
        network: {
          localAddress: me.address,
          // What the lab's DNS answers: the site's own address; the route goes through the ISP.
          resolve: (host, scheme) => {
            const site = m.topology.sites.find((s) => s.name === host);
            return site?.[scheme] ? { address: site.address, port: scheme === 'https' ? 443 : 80 } : null;
          },
          names: m.topology.sites.map((s) => s.name),
        },
        roots: m.roots,
        workDir: join(STATE_MOUNT, 'clients', name),
      },
      m.facts,
    ));
  // The subscriber's machine is on and its program open before the first step is asked for
  // (Chromium takes seconds to start in a container); a failure to start is that step's error.
  start().catch(() => {});
  const pending: Promise<void>[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const { id, step } = JSON.parse(line) as { id: number; step: SessionStep };
    pending.push(
      start()
        .then((c) => c.runStep(step))
        .then((run) => void reply({ id, run }), (err: Error) => void reply({ id, error: err.message })),
    );
  }
  await Promise.allSettled(pending);
  if (client) await (await client).close().catch(() => {});
  process.exit(0);
}
