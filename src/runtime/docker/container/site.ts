/** One site's container: the same site code as the local runtime, on ports 443 and 80. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSite } from '../../../sites/serve.ts';
import { startTunnelExit } from '../../../sites/tunnel-exit.ts';
import { labSiteDefinitions } from '../../lab-sites.ts';
import { STATE_MOUNT } from '../paths.ts';
import type { DockerLabManifest } from '../manifest.ts';
import { NotInThisLab } from './not-in-this-lab.ts';
import { markReady } from './ready.ts';

export async function runSite(m: DockerLabManifest, name: string): Promise<void> {
  const me = m.topology.sites.find((s) => s.name === name);
  if (!me) throw new NotInThisLab(m, 'site', name);
  const read = (p: string) => readFileSync(join(STATE_MOUNT, p));
  // Beyond the ISP, sites reach each other directly (the CDN edge's origins, the tunnel's targets).
  const realEndpoint = (host: string, port: number) => {
    const s = m.topology.sites.find((x) => x.name === host);
    return s && ((port === 443 && s.https) || (port === 80 && s.http)) ? { address: s.address, port } : null;
  };
  const tls = me.https ? { certChainPem: read(`certs/${name}.chain.pem`).toString(), keyPem: read(`keys/${name}.key`).toString() } : undefined;
  let close: () => Promise<void>;
  if (me.kind === 'vpn') {
    const exit = await startTunnelExit({ name, address: '0.0.0.0', ownHost: true, port: 443, tls: tls!, resolve: realEndpoint });
    exit.onTunnel((e) => console.log(JSON.stringify({ event: 'tunnel', ...e })));
    close = () => exit.close();
  } else {
    const def = labSiteDefinitions({
      world: m.scenario.sites,
      stateRootPem: read('certs/state-root.pem').toString(),
      stateRootDer: read('certs/state-root.der'),
      webRootPem: m.roots.web,
      profile: m.scenario.stateCa,
      realEndpoint,
    }).find((d) => d.name === name);
    if (!def) throw new Error(`no site definition for ${name}`);
    const site = await startSite(def, { address: '0.0.0.0', ownHost: true, tls, ports: { https: 443, http: 80 } });
    // The access log on stdout: `docker-compose logs bank` shows it.
    site.onAccess((entry) => console.log(JSON.stringify({ event: 'access', ...entry })));
    close = () => site.close();
  }
  await markReady(me.service);
  const stop = () => void close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
