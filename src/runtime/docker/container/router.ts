/**
 * One router on the path (topology.ts): it forwards hop by hop along its own segment, towards
 * the sites and back towards the subscribers, decrementing TTL as every router does, and
 * answers an expired packet with ICMP time-exceeded from its own address; then it idles.
 */
import type { DockerLabManifest } from '../manifest.ts';
import { NotInThisLab } from './not-in-this-lab.ts';
import { markReady } from './ready.ts';
import { dropDockerDefaultRoute, interfaceOn, sh } from './net.ts';

const ip = (...args: string[]) => sh('ip', ...args);

export async function runRouter(m: DockerLabManifest, service: string): Promise<void> {
  const me = m.topology.routers.find((r) => r.service === service);
  if (!me) throw new NotInThisLab(m, 'router', service);
  const { home, internet } = m.topology.nets;
  dropDockerDefaultRoute();
  const dev = interfaceOn(me.side === 'before' ? home : internet);
  // Both networks' prefixes go to the next hop on this segment; `onlink` where the prefix is this
  // segment's own, so that the kernel sends to the neighbour rather than straight to the host.
  const route = (prefix: string, via: string | null) => {
    if (via) ip('route', 'replace', `${prefix}.0/24`, 'via', via, 'dev', dev, 'onlink');
  };
  route(internet, me.towardSites);
  route(home, me.towardSubscribers);
  // The box's internet side (where its traffic comes from, masqueraded) is a neighbour of every router after it.
  if (me.side === 'after') ip('route', 'replace', `${m.topology.isp.internet}/32`, 'dev', dev);
  await markReady(me.service);
  console.log(JSON.stringify({ event: 'router', hop: me.hop, address: me.address, towardSites: me.towardSites, towardSubscribers: me.towardSubscribers }));
  const idle = setInterval(() => {}, 1 << 30);
  const stop = () => {
    clearInterval(idle);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
