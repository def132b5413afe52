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
 *
 * Where the scenario places the box on a longer path (`interceptor.location`), router containers
 * stand on each side, each one hop: routersBefore on the home network (.3, .4, …) between the
 * subscribers and the box, routersAfter on the internet network (.200, .201, …) between the box
 * and the sites. They share their network's segment and route hop by hop (no ICMP redirects),
 * so TTL decrements at each, as it did on the way to the 2019 device (Raman et al., section 4).
 */
import type { ClientSpec, InterceptorSpec } from '../../scenario/schema.ts';
import { PROGRAM_LINE } from '../lab.ts';
import { hostNumbers, LAB_MACHINES, serviceOfHost, type LabSite } from '../../scenario/sites.ts';

/** Every lab network lives in this /16; the host's forwarding rule names it (hostnet-fix.sh). */
export const LAB_SUPERNET = '10.89.0.0/16';
/** First three octets of the two networks' /24s, e.g. `10.89.0` and `10.89.1`. */
export interface LabNets {
  home: string;
  internet: string;
}
export const DEFAULT_NETS: LabNets = { home: '10.89.0', internet: '10.89.1' };
const ISP_HOST_NUMBER = 2;

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

/** One router on the path; hops count from a subscriber (1 = the first router it meets); `router-N` is hop N. */
export interface DockerRouter {
  service: string;
  hop: number;
  side: 'before' | 'after';
  address: string;
  /** The next hop towards the sites; null for the last router, which reaches them on its own segment. */
  towardSites: string | null;
  /** The previous hop towards the subscribers; null for the first, which reaches them on its own segment. */
  towardSubscribers: string | null;
}

export interface DockerTopology {
  nets: LabNets;
  isp: {
    home: string;
    internet: string;
    /** Its hop from a subscriber. */
    hop: number;
    /** Where it sends traffic for the sites, and for the subscribers, when routers stand between (else null: its own segment). */
    towardSites: string | null;
    towardSubscribers: string | null;
  };
  /** A subscriber's default route: the first router, or the box. */
  gateway: string;
  routers: DockerRouter[];
  sites: DockerSite[];
  clients: DockerClient[];
  /** The address a program of the user's own connects from (`tlslab test --image`), and the line the box names it by. */
  program: { line: string; address: string };
  /** A researcher's probe on a subscriber line (`tlslab detect --runtime docker`), and the line the box names it by. */
  probe: { line: string; address: string };
}

/** Its last octet on the home network: far from the clients' .10, .11, … */
const PROGRAM_HOST_NUMBER = 250;
/** A researcher's probe on a subscriber line (`tlslab detect --runtime docker`). */
const PROBE_HOST_NUMBER = 251;
/** The routers' last octets: before the box on the home network, after it on the internet one. */
const FIRST_ROUTER_BEFORE = 3;
const FIRST_ROUTER_AFTER = 200;

type BoxLocation = InterceptorSpec['location'];

export function dockerTopology(
  world: readonly LabSite[],
  clients: ClientSpec[],
  nets: LabNets = DEFAULT_NETS,
  location: BoxLocation = { routersBefore: 0, routersAfter: 0 },
): DockerTopology {
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
  const isp = { home: `${nets.home}.${ISP_HOST_NUMBER}`, internet: `${nets.internet}.${ISP_HOST_NUMBER}` };
  const path = [
    ...Array.from({ length: location.routersBefore }, (_, i) => ({ side: 'before' as const, address: `${nets.home}.${FIRST_ROUTER_BEFORE + i}` })),
    { side: 'box' as const, address: isp.home },
    ...Array.from({ length: location.routersAfter }, (_, i) => ({ side: 'after' as const, address: `${nets.internet}.${FIRST_ROUTER_AFTER + i}` })),
  ];
  // Each hop's neighbours, as its own segment sees them (the box's internet side for the first router after it).
  const near = (i: number, step: 1 | -1) => {
    const other = path[i + step];
    if (!other) return null;
    if (other.side === 'box') return path[i]?.side === 'after' ? isp.internet : isp.home;
    return other.address;
  };
  const routers = path.flatMap((h, i) =>
    h.side === 'box'
      ? []
      : [{ service: `router-${i + 1}`, hop: i + 1, side: h.side, address: h.address, towardSites: near(i, 1), towardSubscribers: near(i, -1) }],
  );
  const boxAt = location.routersBefore;
  const taken = new Set([...LAB_MACHINES, ...sites.map((s) => s.service), ...routers.map((r) => r.service)]);
  return {
    nets,
    isp: { ...isp, hop: boxAt + 1, towardSites: near(boxAt, 1), towardSubscribers: near(boxAt, -1) },
    gateway: path[0]?.address ?? isp.home, // the first router before the box, else the box itself
    routers,
    sites,
    program: { line: PROGRAM_LINE, address: `${nets.home}.${PROGRAM_HOST_NUMBER}` },
    probe: { line: 'researcher-probe', address: `${nets.home}.${PROBE_HOST_NUMBER}` },
    clients: clients.map((c, i) => {
      if (taken.has(c.name)) throw new Error(`client name "${c.name}" is also a host of the docker lab; rename the client`);
      return { name: c.name, service: c.name, address: `${nets.home}.${10 + i}`, trusts: c.trusts, program: c.program };
    }),
  };
}
