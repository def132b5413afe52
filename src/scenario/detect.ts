/**
 * Detecting the box from outside, as Raman et al. (IMC 2020, section 3) found the 2019 device:
 * send the same ClientHello to a server twice, once with a control SNI (a name nobody targets)
 * and once with a candidate name, and compare the certificates that come back. A certificate
 * that differs under a name, and does not chain to the web PKI, means that name triggers
 * interception on the path to that server (the "Hyperquack" comparison). No knowledge of the
 * box's configuration is used: the scenario's own target list is read only to score the result.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import type { Endpoint } from '../interceptor/events.ts';
import { decideTls } from '../interceptor/policy.ts';
import type { LabDescription } from '../runtime/lab.ts';
import { policyOf } from '../runtime/scenario-policy.ts';
import type { Scenario } from './schema.ts';

/** A name no scenario targets: RFC 6761 keeps .invalid for names that resolve nowhere. */
export const CONTROL_SNI = 'control.hyperquack.invalid';

export interface SeenCertificate {
  fingerprint: string;
  subject: string;
  issuer: string;
  /** Verifies against the lab's web root alone, as a browser without the state root would. */
  webTrusted: boolean;
}

export interface Probe {
  server: string;
  sni: string;
  seen: SeenCertificate | null;
  error: string | null;
  /** The certificate differs from the control's and does not chain to the web PKI. */
  intercepted: boolean;
  /** Reset after the ClientHello while the control name got an answer from the same server: blocked by SNI (OONI's connection_reset). */
  blocked: boolean;
}

export interface Detection {
  servers: Array<{ name: string; route: Endpoint; control: SeenCertificate | null; controlError: string | null; probes: Probe[] }>;
  /** Names whose ClientHello triggered interception at some server. */
  triggering: string[];
  /** Names whose ClientHello got a reset where the control name did not. */
  blocked: string[];
  /** The scenario's own answer, for scoring only: candidate names its box re-signs. */
  truth: string[];
  precision: number;
  recall: number;
}

function seeWith(route: Endpoint, sni: string, webRoot: string, timeoutMs = 5_000): Promise<{ seen: SeenCertificate | null; error: string | null }> {
  return new Promise((resolve) => {
    const socket = connect({ host: route.address, port: route.port, servername: sni, ca: webRoot, rejectUnauthorized: false, checkServerIdentity: () => undefined });
    const done = (r: { seen: SeenCertificate | null; error: string | null }) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done({ seen: null, error: `no answer within ${timeoutMs} ms` }));
    socket.once('error', (e) => done({ seen: null, error: e.message }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate() as X509Certificate | undefined;
      if (!cert) return done({ seen: null, error: 'no certificate' });
      done({ seen: { fingerprint: cert.fingerprint256, subject: cert.subject.replace(/\n/g, ', '), issuer: cert.issuer.replace(/\n/g, ', '), webTrusted: socket.authorized }, error: null });
    });
  });
}

/**
 * Probe every TLS site of a running lab with the control SNI and each candidate name, through
 * the ISP box as a subscriber's line reaches it.
 */
export async function detectInterception(scenario: Scenario, d: LabDescription, webRootPem: string, candidates: string[]): Promise<Detection> {
  const servers = d.hosts.filter((h) => h.role === 'site' && h.routes?.https).map((h) => ({ name: h.name, route: h.routes!.https! }));
  const out: Detection['servers'] = [];
  for (const server of servers) {
    const control = await seeWith(server.route, CONTROL_SNI, webRootPem);
    const probes: Probe[] = [];
    for (const sni of candidates) {
      const r = await seeWith(server.route, sni, webRootPem);
      const differs = !!r.seen && !!control.seen && r.seen.fingerprint !== control.seen.fingerprint;
      // Not the web PKI's, and either unlike the control or like a control that is forged itself (a box that re-signs every name).
      const forgedControl = !!control.seen && !control.seen.webTrusted;
      const reset = !!r.error && /ECONNRESET|socket disconnected|socket hang up/i.test(r.error);
      probes.push({ server: server.name, sni, ...r, intercepted: !!r.seen && !r.seen.webTrusted && (differs || forgedControl), blocked: reset && !!control.seen });
    }
    out.push({ name: server.name, route: server.route, control: control.seen, controlError: control.error, probes });
  }
  const triggering = [...new Set(out.flatMap((s) => s.probes.filter((p) => p.intercepted).map((p) => p.sni)))].sort();
  const blocked = [...new Set(out.flatMap((s) => s.probes.filter((p) => p.blocked).map((p) => p.sni)))].sort();
  const policy = policyOf(scenario);
  const truth = candidates.filter((n) => decideTls(policy, n).action === 'intercept').sort();
  const tp = triggering.filter((n) => truth.includes(n)).length;
  return {
    servers: out,
    triggering,
    blocked,
    truth,
    precision: triggering.length ? tp / triggering.length : truth.length ? 0 : 1,
    recall: truth.length ? tp / truth.length : 1,
  };
}

/** The result as a person reads it: per server, which names changed the certificate, then the score. */
export function detectionReport(det: Detection): string {
  const lines: string[] = [];
  const width = Math.max(...det.servers.flatMap((s) => s.probes.map((p) => p.sni.length))) + 2;
  for (const s of det.servers) {
    const control = s.control ? `${s.control.subject}, issued by ${s.control.issuer}${s.control.webTrusted ? '' : ' (NOT trusted by the web PKI: every name is intercepted here)'}` : `no certificate (${s.controlError})`;
    lines.push(`${s.name} at ${s.route.address}:${s.route.port}`, `   control SNI ${CONTROL_SNI}: ${control}`);
    for (const p of s.probes) {
      const what = p.blocked ? `RESET after the ClientHello: blocked by name (${p.error})` : p.error ? `no answer (${p.error})` : p.intercepted ? `FORGED: ${p.seen!.subject}, issued by ${p.seen!.issuer}` : 'the same certificate as the control';
      lines.push(`   ${p.sni.padEnd(width)}${what}`);
    }
    lines.push('');
  }
  lines.push(`Names that trigger interception: ${det.triggering.join(', ') || '(none)'}`);
  if (det.blocked.length) lines.push(`Names the box blocks (a reset where the control name is answered): ${det.blocked.join(', ')}`);
  lines.push(`The scenario's own targets among them: ${det.truth.join(', ') || '(none)'}`);
  lines.push(`Precision ${det.precision.toFixed(2)}, recall ${det.recall.toFixed(2)} (from probing alone)`);
  return lines.join('\n');
}
