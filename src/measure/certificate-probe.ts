/**
 * The certificate comparison of Raman et al. (IMC 2020, section 3), as mechanism: send the same
 * ClientHello to a server with a control SNI (a name nobody targets) and with each candidate
 * name, and note which certificate comes back. A certificate that differs under a name, and does
 * not chain to the web PKI, means that name triggers interception on the path to that server
 * (the "Hyperquack" comparison). Runs wherever the lab's line is: in this process, or in a
 * probe machine a runtime puts on a subscriber line.
 */
import { connect as netConnect } from 'node:net';
import { connect } from 'node:tls';
import type { Endpoint } from '../interceptor/events.ts';

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

export interface ServerProbes {
  name: string;
  route: Endpoint;
  control: SeenCertificate | null;
  controlError: string | null;
  probes: Probe[];
}

export interface Sight {
  seen: SeenCertificate | null;
  error: string | null;
}

/**
 * One ClientHello naming `sni` to `route`, and what came back. `localPort` fixes the probe's own
 * port (the TTL probe marks its packets by it).
 */
export function seeCertificate(route: Endpoint, sni: string, webRoot: string, opts: { timeoutMs?: number; localPort?: number } = {}): Promise<Sight> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return new Promise((resolve) => {
    const tcp = netConnect({ host: route.address, port: route.port, ...(opts.localPort ? { localPort: opts.localPort } : {}) });
    const socket = connect({ socket: tcp, servername: sni, ca: webRoot, rejectUnauthorized: false, checkServerIdentity: () => undefined });
    const done = (r: Sight) => {
      socket.destroy();
      tcp.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ seen: null, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    const finish = (r: Sight) => {
      clearTimeout(timer);
      done(r);
    };
    tcp.once('error', (e) => finish({ seen: null, error: e.message }));
    socket.once('error', (e: Error) => finish({ seen: null, error: e.message }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      if (!cert) return finish({ seen: null, error: 'no certificate' });
      finish({
        seen: {
          fingerprint: cert.fingerprint256,
          subject: cert.subject.replace(/\n/g, ', '),
          issuer: cert.issuer.replace(/\n/g, ', '),
          webTrusted: socket.authorized,
        },
        error: null,
      });
    });
  });
}

/** Does this answer, beside the control's, show interception (and is a reset a block)? */
function judgeProbe(server: string, sni: string, r: Sight, control: Sight): Probe {
  const differs = !!r.seen && !!control.seen && r.seen.fingerprint !== control.seen.fingerprint;
  // Not the web PKI's, and either unlike the control or like a control that is forged itself (a box that re-signs every name).
  const forgedControl = !!control.seen && !control.seen.webTrusted;
  const reset = !!r.error && /ECONNRESET|socket disconnected|socket hang up/i.test(r.error);
  return { server, sni, ...r, intercepted: !!r.seen && !r.seen.webTrusted && (differs || forgedControl), blocked: reset && !!control.seen };
}

/** Every server with the control name and each candidate, one ClientHello at a time. */
export async function probeCertificates(servers: Array<{ name: string; route: Endpoint }>, candidates: string[], webRoot: string): Promise<ServerProbes[]> {
  const out: ServerProbes[] = [];
  for (const server of servers) {
    const control = await seeCertificate(server.route, CONTROL_SNI, webRoot);
    const probes: Probe[] = [];
    for (const sni of candidates) probes.push(judgeProbe(server.name, sni, await seeCertificate(server.route, sni, webRoot), control));
    out.push({ name: server.name, route: server.route, control: control.seen, controlError: control.error, probes });
  }
  return out;
}
