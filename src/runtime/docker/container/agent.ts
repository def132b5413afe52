/**
 * Runs session steps as one client, inside its container, with the same client code as the
 * local runtime (scripted, curl, openssl or Chromium). The client container's own process serves
 * it on a unix socket in its host folder (AGENT_SOCKET); tlslab keeps one connection for the
 * lab's life, so cookies, learned HSTS and the browser profile last from step to step, as they
 * do locally.
 *
 * Protocol: one JSON request per line, `{"id":1,"step":{...}}`; one reply per line,
 * `{"id":1,"run":{...}}` or `{"id":1,"error":"..."}`. The end of the connection closes the client
 * (Chromium quits).
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import type { LabClient } from '../../../clients/lab-client.ts';
import type { ClientSpec, SessionStep } from '../../../scenario/schema.ts';
import { startClient } from '../../start-client.ts';
import { STATE_MOUNT } from '../paths.ts';
import type { DockerLabManifest } from '../manifest.ts';
import type { DockerClient } from '../topology.ts';

export async function serveAgent(m: DockerLabManifest, spec: ClientSpec, me: DockerClient, conn: Socket): Promise<void> {
  const reply = (r: object) => {
    if (conn.writable) conn.write(JSON.stringify(r) + '\n');
  };
  let client: Promise<LabClient> | undefined;
  const start = () =>
    (client ??= startClient(
      spec,
      {
        name: spec.name,
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
        workDir: join(STATE_MOUNT, 'clients', spec.name),
      },
      m.facts,
    ));
  // The subscriber's program is open before the first step is asked for (Chromium takes seconds
  // to start in a container); a failure to start is that step's error.
  start().catch(() => {});
  const pending: Promise<void>[] = [];
  conn.on('error', () => {}); // tlslab went away: the end of the lines below says so
  for await (const line of createInterface({ input: conn })) {
    if (!line.trim()) continue;
    const { id, step } = JSON.parse(line) as { id: number; step: SessionStep };
    pending.push(
      start()
        .then((c) => c.runStep(step))
        .then(
          (run) => reply({ id, run }),
          (err: Error) => reply({ id, error: err.message }),
        ),
    );
  }
  await Promise.allSettled(pending);
  await (await client?.catch(() => null))?.close().catch(() => {});
  conn.end();
}
