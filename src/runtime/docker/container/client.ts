/**
 * A subscriber's container: its default route goes through the ISP box (by way of the routers
 * before it, if the scenario places any), its system trust store
 * holds what its profile trusts (so curl and openssl typed by hand in a shell behave as that
 * subscriber's would), and it serves tlslab's session steps on a unix socket in its own folder
 * (agent.ts), so a step costs no `docker exec` and no second process.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { DockerLabManifest } from '../manifest.ts';
import { AGENT_SOCKET, STATE_MOUNT } from '../paths.ts';
import { NotInThisLab } from './not-in-this-lab.ts';
import { markReady } from './ready.ts';

/** Debian's CA bundle, read by curl and openssl (and most programs) by default. */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export async function runClient(m: DockerLabManifest, name: string): Promise<void> {
  const spec = m.scenario.clients.find((c) => c.name === name);
  const me = m.topology.clients.find((c) => c.name === name);
  if (!spec || !me) throw new NotInThisLab(m, 'client', name);
  execFileSync('ip', ['route', 'replace', 'default', 'via', m.topology.gateway]);
  writeFileSync(SYSTEM_BUNDLE, me.trusts.map((t) => (t === 'web' ? m.roots.web : m.roots.state)).join(''));

  // The client code (and Chromium's driver) loads at the first connection, not at every start.
  const server = createServer((conn) => {
    void import('./agent.ts')
      .then(({ serveAgent }) => serveAgent(m, spec, me, conn))
      .catch((err: Error) => {
        console.error(`tlslab client ${name}: ${err.stack ?? err.message}`);
        conn.destroy();
      });
  });
  const socket = join(STATE_MOUNT, AGENT_SOCKET);
  rmSync(socket, { force: true });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, resolve));
  // Only tlslab, as whoever owns this host's folder on the machine, may drive this subscriber.
  const owner = statSync(STATE_MOUNT);
  chownSync(socket, owner.uid, owner.gid);
  chmodSync(socket, 0o600);

  await markReady(me.service);
  console.log(JSON.stringify({ event: 'client', name, address: me.address, route: `default via ${m.topology.gateway}`, trusts: me.trusts }));
  // Serve until stopped; `init: true` makes this process's SIGTERM end the container at once.
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
