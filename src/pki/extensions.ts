/** X.509 extensions the lab's authorities put in their certificates (RFC 5280 section 4.2). */
import forge from 'node-forge';
import type { KeyObject } from 'node:crypto';
import type { RawExtension } from './certificate.ts';

const { asn1, pki } = forge;

function keyIdentifier(publicKey: KeyObject): string {
  const forgeKey = pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bit string.
  return pki.getPublicKeyFingerprint(forgeKey, { type: 'RSAPublicKey', encoding: 'hex' });
}

export function caExtensions(opts: {
  subjectKey: KeyObject;
  issuerKey?: KeyObject;
  pathLen?: number;
  keyUsage: Array<'digitalSignature' | 'nonRepudiation' | 'keyCertSign' | 'cRLSign'>;
  nameConstraints?: NameConstraintSpec;
}): Array<Record<string, unknown> | RawExtension> {
  const exts: Array<Record<string, unknown> | RawExtension> = [
    { name: 'basicConstraints', cA: true, critical: true, ...(opts.pathLen !== undefined ? { pathLenConstraint: opts.pathLen } : {}) },
    { name: 'keyUsage', critical: true, ...Object.fromEntries(opts.keyUsage.map((k) => [k, true])) },
    { name: 'subjectKeyIdentifier', subjectKeyIdentifier: keyIdentifier(opts.subjectKey) },
  ];
  if (opts.issuerKey) exts.push({ name: 'authorityKeyIdentifier', keyIdentifier: hexBytes(keyIdentifier(opts.issuerKey)) });
  if (opts.nameConstraints) exts.push(nameConstraintsExtension(opts.nameConstraints));
  return exts;
}

export function serverLeafExtensions(opts: { names: string[]; subjectKey: KeyObject; issuerKey: KeyObject }) {
  return [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: opts.names.map((value) => ({ type: 2, value })) },
    { name: 'subjectKeyIdentifier', subjectKeyIdentifier: keyIdentifier(opts.subjectKey) },
    { name: 'authorityKeyIdentifier', keyIdentifier: hexBytes(keyIdentifier(opts.issuerKey)) },
  ];
}

export interface NameConstraintSpec {
  /** DNS subtrees, e.g. "example": the name itself and every name below it (RFC 5280 4.2.1.10). */
  permittedDns: string[];
  /** Exclude every IPv4 and IPv6 address, so the CA cannot vouch for any IP address either. */
  excludeAllIp: boolean;
}

const NAME_CONSTRAINTS_OID = '2.5.29.30';

/** forge writes no nameConstraints of its own: encode the DER by hand with its ASN.1 tools. */
function nameConstraintsExtension(spec: NameConstraintSpec): RawExtension {
  const subtree = (generalName: forge.asn1.Asn1) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [generalName]);
  const dnsName = (n: string) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, n);
  const ipRange = (bytes: number[]) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, String.fromCharCode(...bytes));
  const parts = [
    asn1.create(
      asn1.Class.CONTEXT_SPECIFIC,
      0,
      true,
      spec.permittedDns.map((n) => subtree(dnsName(n))),
    ),
  ];
  if (spec.excludeAllIp) {
    parts.push(
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 1, true, [subtree(ipRange(new Array<number>(8).fill(0))), subtree(ipRange(new Array<number>(32).fill(0)))]),
    );
  }
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, parts);
  return { oid: NAME_CONSTRAINTS_OID, critical: true, valueDer: Buffer.from(asn1.toDer(value).getBytes(), 'binary') };
}

function hexBytes(hex: string): string {
  return forge.util.hexToBytes(hex);
}
