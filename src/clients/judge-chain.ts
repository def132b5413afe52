/**
 * A client's decision on the chain it was shown, after OpenSSL's own verification: the
 * defences of its profile (block lists, HSTS and click-through, pins, CT) in the order a
 * browser applies them. Pure: tested without sockets.
 */
import { createPublicKey, X509Certificate, createHash } from 'node:crypto';
import { BLOCKLISTS } from '../../lab/browser-blocklists.ts';
import { hasValidSct } from '../pki/ct.ts';
import type { ClientSpec } from '../scenario/schema.ts';
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

export function spkiHash(cert: X509Certificate): string {
  return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

export function judgeChain(input: ChainToJudge, client: ClientPolicy, facts: TrustFacts, learnedHsts: ReadonlySet<string> = new Set()): Verdict {
  const spkis = input.chain.map(spkiHash);
  const defences = client.defences ?? {};

  // 1. Block lists apply whatever the user trusts, and cannot be clicked through.
  if (defences.blockedRoots) {
    const blocked = BLOCKLISTS[defences.blockedRoots].blocks[facts.stateProfile];
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
  if (defences.certificateTransparency) {
    const root = input.chain[input.chain.length - 1];
    const publicRoot = root !== undefined && spkiHash(root) === facts.webRootSpki;
    const required = defences.certificateTransparency === 'every-chain' || publicRoot;
    const log = { id: facts.ctLog.id, publicKey: createPublicKey(facts.ctLog.publicKeyPem) };
    const names = (input.chain[0]?.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
    if (required && !hasValidSct(input.chain[0].raw, names, log)) {
      return {
        accept: false,
        code: 'net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED',
        message: 'the certificate carries no valid signed certificate timestamp from a known CT log',
      };
    }
    if (!required) return { accept: true, note: 'CT not required: the chain ends at a root the user installed (Chromium skips CT there)' };
  }
  return { accept: true, note: null };
}
