/**
 * A subscriber's container: its default route goes through the ISP box, its system trust store
 * holds what its profile trusts (so curl and openssl typed by hand in a shell behave as that
 * subscriber's would), and then it idles; tlslab runs session steps with `agent`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { DockerLabManifest } from '../manifest.ts';
import { NotInThisLab } from './not-in-this-lab.ts';
import { markReady } from './ready.ts';

/** Debian's CA bundle, read by curl and openssl (and most programs) by default. */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export async function runClient(m: DockerLabManifest, name: string): Promise<void> {
  const me = m.topology.clients.find((c) => c.name === name);
  if (!me) throw new NotInThisLab(m, 'client', name);
  execFileSync('ip', ['route', 'replace', 'default', 'via', m.topology.isp.home]);
  writeFileSync(SYSTEM_BUNDLE, me.trusts.map((t) => (t === 'web' ? m.roots.web : m.roots.state)).join(''));
  await markReady(me.service);
  console.log(JSON.stringify({ event: 'client', name, address: me.address, route: `default via ${m.topology.isp.home}`, trusts: me.trusts }));
  // Idle until stopped; `init: true` makes this process's SIGTERM end the container at once.
  const idle = setInterval(() => {}, 1 << 30);
  const stop = () => {
    clearInterval(idle);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
