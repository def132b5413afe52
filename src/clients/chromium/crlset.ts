/**
 * Chromium's CRLSet, written into one browser profile: how Chrome blocked the Kazakh roots in
 * 2019 and 2020 even on machines where the user had installed them (research file, "How
 * browsers defeated it").
 *
 * Format (net/cert/crl_set.cc): uint16le header length, a JSON header, then per parent CA
 * `sha256(SPKI) ‖ uint32le count ‖ (uint8 length ‖ serial)*`. Header keys used here:
 * `BlockedSPKIs` (a chain holding one of these keys is revoked: ERR_CERT_REVOKED) and
 * `BlockedInterceptionSPKIs` (added by Parse to both the blocked and the known-interception
 * lists, so the chain is revoked and flagged: ERR_CERT_KNOWN_INTERCEPTION_BLOCKED, net error
 * -217; cert_verify_proc.cc). Chrome receives the file through the component updater and keeps
 * it in `<user-data-dir>/CertificateRevocation/<version>/crl-set` with a `manifest.json`
 * (chrome/browser/component_updater/crl_set_component_installer.cc); that is where this puts it.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CrlSetSpec {
  /** Chrome keeps a CRLSet only if its sequence is higher than the one it has (the built-in one is 0). */
  sequence: number;
  /** base64 SHA-256 of SubjectPublicKeyInfos whose chains are revoked. */
  blockedSpkis: string[];
  /** base64 SHA-256 of SPKIs known to be used for interception, and blocked. */
  blockedInterceptionSpkis: string[];
}

/** The directory under the user-data-dir where Chrome's component installer keeps the CRLSet. */
const CRLSET_COMPONENT_DIR = 'CertificateRevocation';

/** base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what CRLSets and pins name. */
export function spkiSha256(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** The bytes of a CRLSet with no per-issuer serials, only SPKI lists in its header. */
export function encodeCrlSet(spec: CrlSetSpec): Buffer {
  if (!Number.isInteger(spec.sequence) || spec.sequence < 1 || spec.sequence > 0x7fffffff) {
    throw new RangeError(`CRLSet sequence must be an integer from 1 to 2^31-1, got ${spec.sequence}`);
  }
  const header = Buffer.from(
    JSON.stringify({
      Version: 0,
      ContentType: 'CRLSet',
      Sequence: spec.sequence,
      DeltaFrom: 0,
      NumParents: 0,
      BlockedSPKIs: spec.blockedSpkis,
      BlockedInterceptionSPKIs: spec.blockedInterceptionSpkis,
    }),
    'utf8',
  );
  if (header.length > 0xffff) throw new RangeError('CRLSet header longer than 65535 bytes');
  const length = Buffer.alloc(2);
  length.writeUInt16LE(header.length);
  return Buffer.concat([length, header]);
}

/** Reads back the header of an encoded CRLSet (for tests and for the docs' evidence). */
export function decodeCrlSetHeader(bytes: Buffer): Record<string, unknown> {
  const length = bytes.readUInt16LE(0);
  return JSON.parse(bytes.subarray(2, 2 + length).toString('utf8')) as Record<string, unknown>;
}

/**
 * Put the CRLSet where the component installer finds it at startup. It is only read when
 * Chromium registers its components, i.e. NOT under --disable-component-update
 * (chrome_browser_main.cc calls RegisterComponentsForUpdate only without that switch).
 */
export async function installCrlSet(userDataDir: string, spec: CrlSetSpec): Promise<string> {
  const version = String(spec.sequence);
  const dir = join(userDataDir, CRLSET_COMPONENT_DIR, version);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 2, name: 'crl-set-tlslab', version }) + '\n');
  const file = join(dir, 'crl-set');
  await writeFile(file, encodeCrlSet(spec));
  return file;
}
