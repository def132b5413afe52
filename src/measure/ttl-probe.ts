/**
 * Where the box sits, found as Raman et al. found the 2019 device (IMC 2020, section 4): complete
 * the TCP handshake with the server, then send the triggering ClientHello with a TTL of 1, 2, 3…;
 * the first TTL at which the forged certificate comes back is the box's hop. Beside it, an ICMP
 * echo with the same TTL names the router that drops it at each hop (its time-exceeded) and,
 * once it reaches the server, the server's own hop: the box sits the difference before it.
 *
 * Needs root in its own network namespace: the ClientHello's TTL is set by an iptables TTL rule
 * on the probe's data segments (Node cannot set IP_TTL on a TCP socket), and `ping -t` sends the
 * echoes. It runs where a runtime gives the line real hops (a probe machine on a subscriber line).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Endpoint } from '../interceptor/events.ts';
import { CONTROL_SNI, seeCertificate, type Sight } from './certificate-probe.ts';

const run = promisify(execFile);

export interface HopSight {
  ttl: number;
  /** Who answered the ICMP echo sent with this TTL: a router's time-exceeded, or the server's reply. */
  icmp: { from: string; kind: 'time-exceeded' | 'echo-reply' } | null;
  /** The ClientHello naming the triggering name, sent with this TTL after a full-TTL handshake (null once the box's hop is known). */
  target: Sight | null;
  /** The same with the control name. */
  control: Sight | null;
}

export interface TtlProbe {
  server: string;
  route: Endpoint;
  sni: string;
  hops: HopSight[];
  /** The first TTL at which the forged certificate came back: the box's hop. */
  boxHop: number | null;
  /** The TTL at which the server's own address answered the echo. */
  serverHop: number | null;
}

/** The ICMP answer to one echo with this TTL, from `ping`'s own words. */
async function echoWithTtl(address: string, ttl: number): Promise<HopSight['icmp']> {
  const out = await run('ping', ['-n', '-c', '1', '-W', '1', '-t', String(ttl), address]).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '',
  );
  const exceeded = /From (\d+\.\d+\.\d+\.\d+)(?: icmp_seq=\d+)? Time to live exceeded/i.exec(out)?.[1];
  if (exceeded) return { from: exceeded, kind: 'time-exceeded' };
  const reply = /bytes from (\d+\.\d+\.\d+\.\d+)/.exec(out)?.[1];
  return reply ? { from: reply, kind: 'echo-reply' } : null;
}

/** Runs `f` with every data segment this host sends to `route` leaving with TTL `ttl`. */
async function withDataTtl<T>(route: Endpoint, ttl: number, f: () => Promise<T>): Promise<T> {
  // PSH marks the segments that carry data: the SYN and the handshake's ACK keep their full TTL.
  const rule = ['OUTPUT', '-p', 'tcp', '-d', route.address, '--dport', String(route.port), '--tcp-flags', 'PSH', 'PSH', '-j', 'TTL', '--ttl-set', String(ttl)];
  await run('iptables', ['-t', 'mangle', '-I', ...rule]);
  try {
    return await f();
  } finally {
    await run('iptables', ['-t', 'mangle', '-D', ...rule]);
  }
}

export async function probeTtl(
  server: { name: string; route: Endpoint },
  sni: string,
  webRoot: string,
  opts: { maxHops?: number; timeoutMs?: number } = {},
): Promise<TtlProbe> {
  const maxHops = opts.maxHops ?? 12;
  const timeoutMs = opts.timeoutMs ?? 1_500;
  const hops: HopSight[] = [];
  let boxHop: number | null = null;
  let serverHop: number | null = null;
  for (let ttl = 1; ttl <= maxHops && serverHop === null; ttl++) {
    // The echo first: a router limits its time-exceeded messages (icmp_ratelimit), and the
    // ClientHellos that die at it below spend that allowance too.
    const icmp = await echoWithTtl(server.route.address, ttl);
    if (icmp?.kind === 'echo-reply') serverHop = ttl;
    let target: Sight | null = null;
    let control: Sight | null = null;
    if (boxHop === null) {
      [target, control] = await withDataTtl(server.route, ttl, () =>
        Promise.all([seeCertificate(server.route, sni, webRoot, { timeoutMs }), seeCertificate(server.route, CONTROL_SNI, webRoot, { timeoutMs })]),
      );
      if (target.seen && !target.seen.webTrusted) boxHop = ttl;
    }
    hops.push({ ttl, icmp, target, control });
  }
  return { server: server.name, route: server.route, sni, hops, boxHop, serverHop };
}
