/**
 * Detecting the box from outside, as Raman et al. (IMC 2020) found the 2019 device: the lab's
 * own line measures it (Lab.measure: the certificate comparison at every server, and the TTL
 * probe where the path has hops); this module scores what was found against the scenario's own
 * target list and words it. No knowledge of the box's configuration goes into the measurement:
 * the target list is read only to score the result, and `interceptor.location` only to check
 * that the hop the probe found is where the scenario put the box.
 */
import { CONTROL_SNI, type ServerProbes } from '../measure/certificate-probe.ts';
import type { TtlProbe } from '../measure/ttl-probe.ts';
import type { Lab } from '../runtime/lab.ts';
import { policyOf } from './scenario-policy.ts';
import type { Scenario } from './schema.ts';

interface Detection {
  vantage: string;
  servers: ServerProbes[];
  /** Names whose ClientHello triggered interception at some server. */
  triggering: string[];
  /** Names whose ClientHello got a reset where the control name did not. */
  blocked: string[];
  /** The scenario's own answer, for scoring only: candidate names its box re-signs. */
  truth: string[];
  precision: number;
  recall: number;
  /** The box localised by TTL, or why not. */
  ttl: TtlProbe | null;
  ttlUnavailable: string | null;
  /** Where the scenario put the box (its hop from a subscriber), for scoring only. */
  boxHopTruth: number;
}

export async function detectInterception(scenario: Scenario, lab: Lab, candidates: string[]): Promise<Detection> {
  const m = await lab.measure({ candidates });
  const triggering = [...new Set(m.servers.flatMap((s) => s.probes.filter((p) => p.intercepted).map((p) => p.sni)))].sort();
  const blocked = [...new Set(m.servers.flatMap((s) => s.probes.filter((p) => p.blocked).map((p) => p.sni)))].sort();
  const policy = policyOf(scenario);
  const truth = candidates.filter((n) => policy.atClientHello(n).action === 'intercept').sort();
  const tp = triggering.filter((n) => truth.includes(n)).length;
  return {
    vantage: m.vantage,
    servers: m.servers,
    triggering,
    blocked,
    truth,
    precision: triggering.length ? tp / triggering.length : truth.length ? 0 : 1,
    recall: truth.length ? tp / truth.length : 1,
    ttl: m.ttl,
    ttlUnavailable: m.ttlUnavailable,
    boxHopTruth: scenario.interceptor.location.routersBefore + 1,
  };
}

/** The result as a person reads it: per server, which names changed the certificate, then the score, then the hops. */
export function detectionReport(det: Detection): string {
  const lines: string[] = [`From ${det.vantage}:`, ''];
  const width = Math.max(0, ...det.servers.flatMap((s) => s.probes.map((p) => p.sni.length))) + 2;
  for (const s of det.servers) {
    const control = s.control
      ? `${s.control.subject}, issued by ${s.control.issuer}${s.control.webTrusted ? '' : ' (NOT trusted by the web PKI: every name is intercepted here)'}`
      : `no certificate (${s.controlError})`;
    lines.push(`${s.name} at ${s.route.address}:${s.route.port}`, `   control SNI ${CONTROL_SNI}: ${control}`);
    for (const p of s.probes) {
      const what = p.blocked
        ? `RESET after the ClientHello: blocked by name (${p.error})`
        : p.error
          ? `no answer (${p.error})`
          : p.intercepted
            ? `FORGED: ${p.seen!.subject}, issued by ${p.seen!.issuer}`
            : 'the same certificate as the control';
      lines.push(`   ${p.sni.padEnd(width)}${what}`);
    }
    lines.push('');
  }
  lines.push(`Names that trigger interception: ${det.triggering.join(', ') || '(none)'}`);
  if (det.blocked.length) lines.push(`Names the box blocks (a reset where the control name is answered): ${det.blocked.join(', ')}`);
  lines.push(`The scenario's own targets among them: ${det.truth.join(', ') || '(none)'}`);
  lines.push(`Precision ${det.precision.toFixed(2)}, recall ${det.recall.toFixed(2)} (from probing alone)`);
  lines.push('', ...ttlReport(det));
  return lines.join('\n');
}

function ttlReport(det: Detection): string[] {
  if (det.ttlUnavailable) return [`Where the box sits: not measured: ${det.ttlUnavailable}.`];
  const t = det.ttl;
  if (!t) return ['Where the box sits: not measured: no name triggered interception, so there is no forged certificate to look for.'];
  const lines = [
    `Where the box sits: the ClientHello naming ${t.sni} to ${t.server} (${t.route.address}), with TTL 1, 2, 3… after a full handshake, beside an ICMP echo with the same TTL:`,
  ];
  for (const h of t.hops) {
    const icmp = h.icmp
      ? h.icmp.kind === 'echo-reply'
        ? `echo reply from ${h.icmp.from} (the server)`
        : `time exceeded from ${h.icmp.from}`
      : 'no ICMP answer';
    const hello = !h.target
      ? ''
      : h.target.seen
        ? h.target.seen.webTrusted
          ? `; certificate: the real one (${h.target.seen.issuer})`
          : `; certificate: FORGED, issued by ${h.target.seen.issuer}`
        : '; certificate: none (the ClientHello expired on the way)';
    lines.push(`   TTL ${String(h.ttl).padStart(2)}: ${icmp}${hello}`);
  }
  if (t.boxHop === null) lines.push('The forged certificate never came back within the TTLs tried.');
  else {
    const before = t.serverHop !== null ? `, ${t.serverHop - t.boxHop} hops before the server (hop ${t.serverHop})` : '';
    const by = t.hops.find((h) => h.ttl === t.boxHop)?.icmp;
    lines.push(
      `The forged certificate first comes back at hop ${t.boxHop}${by?.kind === 'time-exceeded' ? `, the router that answers from ${by.from}` : ''}${before}.`,
    );
    const control = t.hops.find((h) => h.ttl === t.boxHop)?.control;
    if (control?.seen)
      lines.push(
        `The control name is answered from the same hop: this box takes over every TLS connection on port 443 (a transparent proxy) and relays the untargeted ones.`,
      );
    lines.push(`The scenario puts the box at hop ${det.boxHopTruth}: ${t.boxHop === det.boxHopTruth ? 'found' : 'NOT where the probe found it'}.`);
  }
  return lines;
}
