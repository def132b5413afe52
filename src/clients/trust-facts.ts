import { pemToDer } from '../pki/certificate.ts';
import { describeCertificate } from '../pki/inspect.ts';
import type { LabPki } from '../pki/lab-pki.ts';

/**
 * What a client's defences know beyond its trust store, as the real ones do: a browser ships
 * a block list and the HSTS preload list, an app ships its pins, Chromium knows its CT logs.
 * The lab fills these in from its own fresh keys (see LocalLab).
 */
export interface TrustFacts {
  /** The lab's state CA profile, and the SPKI hashes (sha256, base64) of its root and intermediate. */
  stateProfile: string;
  stateSpkis: string[];
  webRootSpki: string;
  /** Per site: its own key and its issuing CA's key, as an app would pin them. */
  pins: Record<string, { siteKey: string; issuingCa: string }>;
  hstsPreload: string[];
  ctLog: { id: string; publicKeyPem: string };
}

/** The facts of one lab, made from its fresh keys. */
export function trustFactsOf(pki: LabPki, siteNames: string[], hstsSites: string[]): TrustFacts {
  const spki = (der: Buffer) => describeCertificate(der).spkiSha256;
  const issuingCa = spki(pki.webIntermediate.cert.der);
  const pins: TrustFacts['pins'] = {};
  for (const name of siteNames) {
    pins[name] = { siteKey: spki(pemToDer(pki.site(name).certChainPem)), issuingCa };
  }
  return {
    stateProfile: pki.profile.id,
    stateSpkis: [spki(pki.stateRoot.cert.der), spki(pki.stateIntermediate.cert.der)],
    webRootSpki: spki(pki.webRoot.cert.der),
    pins,
    // The real targets were on the HSTS preload list; the lab preloads its HSTS sites likewise.
    hstsPreload: hstsSites,
    ctLog: { id: pki.ctLog.id, publicKeyPem: pki.ctLog.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  };
}
