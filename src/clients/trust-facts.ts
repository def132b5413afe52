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
