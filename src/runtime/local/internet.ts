/**
 * The "internet" side of the local lab: every site on its own loopback address, the CDN edge
 * in front of them, the stand-in for a site outside the lab's names, and the tunnel exit.
 */
import { LOCAL_BLOCKS } from './address-plan.ts';
import type { Endpoint } from '../../interceptor/events.ts';
import type { LabPki } from '../../pki/lab-pki.ts';
import type { StateCaProfile } from '../../pki/profiles.ts';
import { hostNumbers, tunnelExitHost, type LabSite } from '../../scenario/sites.ts';
import { startSite } from '../../sites/serve.ts';
import { startTunnelExit } from '../../sites/tunnel-exit.ts';
import { hstsHosts, labSiteDefinitions } from '../lab-sites.ts';

/** A lab host on the internet side: a site, or the tunnel exit. */
export interface RunningHost {
  name: string;
  address: string;
  httpsPort?: number;
  httpPort?: number;
  close(): Promise<void>;
}

export interface Internet {
  hosts: RunningHost[];
  /** Sites that send Strict-Transport-Security. */
  hstsSites: string[];
  /** Where a name really listens, beyond the ISP. */
  realEndpoint(host: string, port: number): Endpoint | null;
  close(): Promise<void>;
}

export async function startInternet(world: readonly LabSite[], pki: LabPki, profile: StateCaProfile): Promise<Internet> {
  const numbers = hostNumbers(world);
  const sites: RunningHost[] = [];
  const close = async () => {
    await Promise.all(sites.map((s) => s.close()));
  };
  try {
    const realEndpoint = (host: string, port: number): Endpoint | null => {
      const s = sites.find((x) => x.name === host);
      const p = s && (port === 80 ? s.httpPort : port === 443 ? s.httpsPort : undefined);
      return s && p ? { address: s.address, port: p } : null;
    };
    const definitions = labSiteDefinitions({
      world,
      stateRootPem: pki.stateRoot.cert.pem,
      stateRootDer: pki.stateRoot.cert.der,
      webRootPem: pki.webRoot.cert.pem,
      profile,
      realEndpoint,
    });
    for (const def of definitions) {
      const site = await startSite(def, {
        address: `${LOCAL_BLOCKS.internet}.${numbers.get(def.name)}`,
        tls: def.https ? pki.site(def.name) : undefined,
      });
      sites.push(site);
    }
    const exitHost = tunnelExitHost(world);
    if (exitHost) {
      const exit = await startTunnelExit({
        name: exitHost,
        address: `${LOCAL_BLOCKS.internet}.${numbers.get(exitHost)}`,
        tls: pki.site(exitHost),
        resolve: realEndpoint,
      });
      sites.push({ name: exit.name, address: exit.address, httpsPort: exit.port, close: () => exit.close() });
    }
    // In the scenario's order, as the docker lab and every listing show them.
    sites.sort((a, b) => numbers.get(a.name)! - numbers.get(b.name)!);
    return { hosts: sites, hstsSites: hstsHosts(world), realEndpoint, close };
  } catch (err) {
    await close();
    throw err;
  }
}
