/**
 * The docker runtime's world: two internal networks and one container per host.
 *
 *   clients ── home (internal) ── isp ── internet (internal) ── sites
 *   .10, .11…   default route      .2 │ .2    (REDIRECT of 443/80)   .9 qca … .17 outside
 *   dns = isp                                         (same last octets as the local runtime)
 *
 * The ISP box learns the original destination from the port the REDIRECT sent it to: each
 * site's address gets its own pair of ports on the box (`redirect`), so a listener's port IS the
 * site the client dialled, whatever SNI it sent (see docs/docker.md, "Original destination").
 */
import type { ClientSpec } from '../../scenario/schema.ts';
import { PROGRAM_LINE } from '../lab.ts';
import { hostNumbers, serviceOfHost, type LabSite } from '../../scenario/sites.ts';

/** Every lab network lives in this /16; the host's forwarding rule names it (hostnet-fix.sh). */
export const LAB_SUPERNET = '10.89.0.0/16';
/** First three octets of the two networks' /24s, e.g. `10.89.0` and `10.89.1`. */
export interface LabNets {
  home: string;
  internet: string;
}
export const DEFAULT_NETS: LabNets = { home: '10.89.0', internet: '10.89.1' };
export const ISP_HOST_NUMBER = 2;

export interface DockerSite {
  name: string;
  kind: LabSite['kind'];
  /** Compose service name (the host name's first label: bank, social, …, outside). */
  service: string;
  address: string;
  https: boolean;
  http: boolean;
  /** The ISP box's ports that the REDIRECT rules send this site's 443 and 80 to. */
  redirect: { https: number; http: number };
}

export interface DockerClient {
  name: string;
  service: string;
  address: string;
  trusts: ClientSpec['trusts'];
  program: ClientSpec['program'];
}

export interface DockerTopology {
  nets: LabNets;
  isp: { home: string; internet: string };
  sites: DockerSite[];
  clients: DockerClient[];
  /** The address a program of the user's own connects from (`tlslab test --image`), and the line the box names it by. */
  program: { line: string; address: string };
}

/** Its last octet on the home network: far from the clients' .10, .11, … */
export const PROGRAM_HOST_NUMBER = 250;

export function dockerTopology(world: readonly LabSite[], clients: ClientSpec[], nets: LabNets = DEFAULT_NETS): DockerTopology {
  const numbers = hostNumbers(world);
  const sites = world.map(({ host: name, kind }) => {
    const n = numbers.get(name)!;
    return {
      name,
      kind,
      service: serviceOfHost(name),
      address: `${nets.internet}.${n}`,
      https: kind !== 'install-page',
      http: kind !== 'vpn',
      redirect: { https: 8000 + n, http: 9000 + n },
    };
  });
  const taken = new Set(['isp', 'hostnet-fix', 'pki', ...sites.map((s) => s.service)]);
  return {
    nets,
    isp: { home: `${nets.home}.${ISP_HOST_NUMBER}`, internet: `${nets.internet}.${ISP_HOST_NUMBER}` },
    sites,
    program: { line: PROGRAM_LINE, address: `${nets.home}.${PROGRAM_HOST_NUMBER}` },
    clients: clients.map((c, i) => {
      if (taken.has(c.name)) throw new Error(`client name "${c.name}" is also a host of the docker lab; rename the client`);
      return { name: c.name, service: c.name, address: `${nets.home}.${10 + i}`, trusts: c.trusts, program: c.program };
    }),
  };
}

export function siteOfAddress(topology: DockerTopology, address: string): DockerSite | undefined {
  return topology.sites.find((s) => s.address === address);
}
