/**
 * A researcher's measurement of the box from one subscriber line, as data in and out, so that it
 * runs the same in this process and in a probe machine a runtime puts on a subscriber line:
 * the certificate comparison at every server, then, where the line has hops to count, the TTL
 * probe on the first name and server that triggered interception.
 */
import type { Endpoint } from '../interceptor/events.ts';
import { probeCertificates, type ServerProbes } from './certificate-probe.ts';
import { probeTtl, type TtlProbe } from './ttl-probe.ts';

export interface ProbeJob {
  servers: Array<{ name: string; route: Endpoint }>;
  candidates: string[];
  /** The lab's web root (PEM): what "trusted by the web PKI" means. */
  webRoot: string;
  /** Count hops too (needs root in the probe's own network namespace); null: the certificates only. */
  ttl: { maxHops: number } | null;
}

export interface ProbeResult {
  servers: ServerProbes[];
  ttl: TtlProbe | null;
}

export async function runProbeJob(job: ProbeJob): Promise<ProbeResult> {
  const servers = await probeCertificates(job.servers, job.candidates, job.webRoot);
  const hit = servers.flatMap((s) => s.probes.filter((p) => p.intercepted).map((p) => ({ server: s, sni: p.sni })))[0];
  const ttl = job.ttl && hit ? await probeTtl({ name: hit.server.name, route: hit.server.route }, hit.sni, job.webRoot, job.ttl) : null;
  return { servers, ttl };
}
