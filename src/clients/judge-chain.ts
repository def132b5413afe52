/**
 * A client's decision on the chain it was shown, after OpenSSL's own verification: the
 * defences of its profile (block lists, HSTS and click-through, pins, CT) in the order a
 * browser applies them, then a detector beside the browser. Pure: tested without sockets.
 */
import { createPublicKey, X509Certificate, createHash } from 'node:crypto';
import { BLOCKLISTS, type BlocklistEmulation } from './browser-blocklists.ts';
import { hasValidSct } from '../pki/ct.ts';
import type { ClientSpec, DETECTION_METHODS } from '../scenario/schema.ts';
import type { TrustFacts } from './trust-facts.ts';

export type Verdict = { accept: true; note: string | null } | { accept: false; code: string; message: string };

export interface ChainToJudge {
  /** The name the client asked for (SNI). */
  host: string;
  /** Leaf first, up to the root when OpenSSL found one. */
  chain: X509Certificate[];
  /** OpenSSL's verdict on chain and name; null when both were fine. */
  opensslError: { code: string; message: string } | null;
}

export type ClientPolicy = Pick<ClientSpec, 'defences' | 'clickThrough'>;
type DetectionMethod = (typeof DETECTION_METHODS)[number];

export function spkiHash(cert: X509Certificate): string {
  return createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

export function judgeChain(input: ChainToJudge, client: ClientPolicy, facts: TrustFacts, learnedHsts: ReadonlySet<string> = new Set()): Verdict {
  const spkis = input.chain.map(spkiHash);
  const defences = client.defences ?? {};

  // 1. Block lists apply whatever the user trusts, and cannot be clicked through.
  if (defences.blockedRoots) {
    const list: BlocklistEmulation = BLOCKLISTS[defences.blockedRoots];
    const blocked = list.blocks[facts.stateProfile];
    if (blocked && spkis.some((s) => facts.stateSpkis.includes(s))) return { accept: false, ...blocked };
  }

  // 2. A certificate error: a person may click through, unless HSTS forbids it (RFC 6797 12.1).
  if (input.opensslError) {
    if (!client.clickThrough) return { accept: false, ...input.opensslError };
    const hsts = facts.hstsPreload.includes(input.host) || learnedHsts.has(input.host);
    if (hsts) {
      return {
        accept: false,
        code: 'HSTS_NO_OVERRIDE',
        message: `${input.opensslError.message}; ${input.host} uses HSTS, so the warning has no way through`,
      };
    }
    return { accept: true, note: `clicked through the warning (${input.opensslError.message})` };
  }

  // 3. Pins: the app knows which key its server has, whatever roots the phone trusts.
  const pin = defences.pins?.[input.host];
  if (pin) {
    const expected = pin === 'site-key' ? facts.pins[input.host]?.siteKey : facts.pins[input.host]?.issuingCa;
    const ok = pin === 'site-key' ? spkis[0] === expected : spkis.slice(1).includes(expected ?? '');
    if (!ok) {
      return {
        accept: false,
        code: 'PIN_MISMATCH',
        message: `public key does not match pinned public key (pinned ${pin === 'site-key' ? "the site's own key" : 'its issuing CA'})`,
      };
    }
  }

  // 4. Certificate Transparency: Chromium demands SCTs only for publicly trusted roots.
  let note: string | null = null;
  if (defences.certificateTransparency) {
    const root = input.chain[input.chain.length - 1];
    const publicRoot = root !== undefined && spkiHash(root) === facts.webRootSpki;
    const required = defences.certificateTransparency === 'every-chain' || publicRoot;
    if (required && !loggedInLabCt(input.chain[0], facts)) {
      return {
        accept: false,
        code: 'net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED',
        message: 'the certificate carries no valid signed certificate timestamp from a known CT log',
      };
    }
    if (!required) note = 'CT not required: the chain ends at a root the user installed (Chromium skips CT there)';
  }

  // 5. A detector beside the browser (2019's detector extensions, Perspectives-style notaries,
  // Certificate Patrol) sees only what the browser accepted, and the person heeds it.
  if (defences.detectInterception) {
    const evidence = detectorEvidence(defences.detectInterception, input, spkis[0], facts);
    if (evidence) return { accept: false, code: 'INTERCEPTION_DETECTED', message: `intercepted, by ${issuerCn(input.chain[0])}: ${evidence}` };
  }
  return { accept: true, note };
}

/** Why the detector thinks this connection was re-signed; null when it sees nothing wrong. */
function detectorEvidence(method: DetectionMethod, input: ChainToJudge, leafSpki: string | undefined, facts: TrustFacts): string | null {
  if (method === 'published-keys') {
    // A host that publishes no key leaves the notary nothing to compare with.
    const published = facts.pins[input.host]?.siteKey;
    if (published === undefined || leafSpki === published) return null;
    return `${input.host}'s certificate key sha256/${leafSpki ?? '(none)'} is not the one it publishes (sha256/${published})`;
  }
  // ct-log: every genuine certificate of the lab was logged; a forged one never is, whatever root it chains to.
  if (loggedInLabCt(input.chain[0], facts)) return null;
  return `the certificate for ${input.host} is not in the lab's CT log ${facts.ctLog.id}`;
}

/** True when the leaf carries a valid SCT from the lab's CT log for its own DNS names. */
function loggedInLabCt(leaf: X509Certificate | undefined, facts: TrustFacts): boolean {
  if (!leaf) return false;
  const log = { id: facts.ctLog.id, publicKey: createPublicKey(facts.ctLog.publicKeyPem) };
  const names = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4));
  return hasValidSct(leaf.raw, names, log);
}

/** The CN of the leaf's issuer, as the detector names the interceptor (X509Certificate.issuer is one "key=value" per line). */
function issuerCn(leaf: X509Certificate | undefined): string {
  if (!leaf) return 'an unknown issuer';
  return /^CN=(.*)$/m.exec(leaf.issuer)?.[1] ?? leaf.issuer.replace(/\n/g, ', ');
}
