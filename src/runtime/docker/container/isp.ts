/**
 * The ISP box's container: the subscribers' router (IP forwarding, no default route, NAT towards
 * the internet side), their DNS, and the same transparent interceptor as the local runtime.
 *
 * Original destination: one iptables REDIRECT per site address, to a port of the box that stands
 * for that site (topology.ts). The listener a connection lands on therefore knows which address
 * the client dialled, whatever name its ClientHello carries: a targeted SNI sent to news.example's
 * address is answered in news.example's names, as the paper found.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { describeEvent } from '../../../interceptor/describe-event.ts';
import { encodeExchange } from '../../../interceptor/exports/exchange.ts';
import { Interceptor } from '../../../interceptor/interceptor.ts';
import { authorityFromPem, createForger } from '../../../pki/forger.ts';
import { policyOf } from '../../../scenario/scenario-policy.ts';
import { STATE_MOUNT } from '../paths.ts';
import type { DockerLabManifest } from '../manifest.ts';
import { startLabDns } from './lab-dns.ts';
import { markReady } from './ready.ts';
import { dropDockerDefaultRoute, interfaceOn, sh } from './net.ts';

/** Everything the box records, one JSON line each, for tlslab on the host to follow. */
export const ISP_RECORDS = 'isp/records.jsonl';

export type IspRecord =
  | { t: 'event'; e: unknown }
  | { t: 'exchange'; x: unknown }
  | { t: 'keylog'; line: string }
  /** The box began reading with nothing else in flight (true), or has recorded all it was reading (false). */
  | { t: 'busy'; busy: boolean };

function setUpRouter(m: DockerLabManifest): void {
  const home = interfaceOn(m.topology.nets.home);
  const internet = interfaceOn(m.topology.nets.internet);
  // Without Docker's default route, a connection to anything outside the lab fails at once instead of timing out.
  dropDockerDefaultRoute();
  for (const site of m.topology.sites) {
    for (const [scheme, port] of [
      ['https', 443],
      ['http', 80],
    ] as const) {
      if (!site[scheme]) continue;
      sh(
        'iptables',
        '-t',
        'nat',
        '-A',
        'PREROUTING',
        '-i',
        home,
        '-p',
        'tcp',
        '-d',
        site.address,
        '--dport',
        String(port),
        '-j',
        'REDIRECT',
        '--to-ports',
        String(site.redirect[scheme]),
      );
    }
  }
  sh('iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', internet, '-j', 'MASQUERADE');
  // Routers on either side (interceptor.location): each network's prefix goes hop by hop.
  const { towardSites, towardSubscribers } = m.topology.isp;
  if (towardSites) sh('ip', 'route', 'replace', `${m.topology.nets.internet}.0/24`, 'via', towardSites, 'dev', internet, 'onlink');
  if (towardSubscribers) sh('ip', 'route', 'replace', `${m.topology.nets.home}.0/24`, 'via', towardSubscribers, 'dev', home, 'onlink');
  console.log(JSON.stringify({ event: 'router', home, internet, redirects: m.topology.sites.length }));
}

export async function runIsp(m: DockerLabManifest): Promise<void> {
  setUpRouter(m);
  await startLabDns(m.topology.isp.home, (name) => m.topology.sites.find((s) => s.name === name)?.address ?? null);

  const profile = m.scenario.stateCa;
  const read = (p: string) => readFileSync(join(STATE_MOUNT, p), 'utf8');
  const issuer = authorityFromPem(profile.intermediate.subject, read('certs/state-intermediate.pem'), read('keys/stateIntermediate.key'));
  const forger = createForger({ issuer, profile });
  const interceptor = new Interceptor({
    pki: { forge: forger.forge, webRoot: { cert: { pem: m.roots.web } }, files: { mitmCaDir: join(STATE_MOUNT, 'mitm-ca') } },
    policy: policyOf(m.scenario),
  });

  mkdirSync(join(STATE_MOUNT, 'isp'), { recursive: true });
  const records = join(STATE_MOUNT, ISP_RECORDS);
  const write = (r: IspRecord) => appendFileSync(records, JSON.stringify(r) + '\n');
  interceptor.records.onExchange((x) => write({ t: 'exchange', x: encodeExchange(x) }));
  interceptor.records.onKeylog((line) => write({ t: 'keylog', line }));
  interceptor.onBusyChange((busy) => write({ t: 'busy', busy }));
  interceptor.records.onEvent((e) => {
    write({ t: 'event', e });
    // The same readout as `tlslab up`, for `docker logs <isp>`.
    const line = describeEvent(e);
    if (line) console.log(line);
  });

  const lineOf = (socket: Socket) => {
    const address = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    if (m.topology.program?.address === address) return m.topology.program.line;
    if (m.topology.probe?.address === address) return m.topology.probe.line;
    return m.topology.clients.find((c) => c.address === address)?.name ?? address;
  };
  for (const site of m.topology.sites) {
    for (const [scheme, port, protocol] of [
      ['https', 443, 'tls'],
      ['http', 80, 'http'],
    ] as const) {
      if (!site[scheme]) continue;
      await interceptor.listen({
        address: '0.0.0.0',
        port: site.redirect[scheme],
        protocol,
        originalDestination: (socket) => ({ destination: { address: site.address, port }, name: site.name, line: lineOf(socket) }),
      });
    }
  }
  // Ready without waiting for the forging key pool, as in the local runtime: the pool fills
  // while the lab's other hosts start; a forgery that comes first waits for the key being made.
  await markReady('isp');
  const stop = async () => {
    await interceptor.close();
    forger.close();
    process.exit(0);
  };
  // A stop that fails ends the container as any failure of this role does (main.ts): reported, exit 1.
  const onSignal = () => {
    stop().catch((err: unknown) => {
      console.error(`tlslab isp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
