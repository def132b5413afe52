/**
 * Certificate structure with node-forge, signatures with node's crypto (forge's own RSA
 * is pure JavaScript and blocks; node's is native). This file and its neighbours in
 * src/pki are the only importers of node-forge (the crypto library stays here).
 */
import { sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { pki, asn1 } = forge;

export type DistinguishedName = Array<{ shortName: 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN'; value: string }>;

/** An extension already encoded, as copied from another certificate. */
export interface RawExtension {
  oid: string;
  critical: boolean;
  /** DER of the extension's value (the content of the OCTET STRING). */
  valueDer: Buffer;
}

interface CertificateSpec {
  serialHex: string;
  subject: DistinguishedName | RawName;
  issuer: DistinguishedName | RawName;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** forge extension objects (by name) or raw copies. */
  extensions: Array<Record<string, unknown> | RawExtension>;
}

/** A name kept exactly as another certificate spelled it (string types included). */
interface RawName {
  raw: forge.pki.CertificateField[];
  /**
   * The name's DER as it was: written into the new certificate byte for byte, so that a
   * multi-valued RDN (O=…+CN=…) stays one RDN (forge's attribute list would split it).
   */
  der?: Buffer;
}

export interface SignedCertificate {
  pem: string;
  der: Buffer;
}

export function buildCertificate(spec: CertificateSpec, issuerKey: KeyObject): SignedCertificate {
  const cert = pki.createCertificate();
  cert.serialNumber = positiveSerial(spec.serialHex);
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.publicKey = pki.publicKeyFromPem(spec.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.setSubject(toForgeName(spec.subject));
  cert.setIssuer(toForgeName(spec.issuer));
  cert.setExtensions(spec.extensions.map((e) => (isRaw(e) ? { id: e.oid, critical: e.critical, value: e.valueDer.toString('binary') } : e)));
  return signTbs(cert, issuerKey, 'raw' in spec.subject ? spec.subject.der : undefined);
}

/** Where forge puts the subject in the TBSCertificate it builds: after version, serial, signature, issuer, validity. */
const TBS_SUBJECT = 5;

/** sha256WithRSAEncryption (RFC 4055 section 5). */
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** Sign with sha256WithRSAEncryption using node's native RSA. */
function signTbs(cert: forge.pki.Certificate, issuerKey: KeyObject, subjectDer?: Buffer): SignedCertificate {
  const oid = SHA256_WITH_RSA;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  const tbs = (pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  if (subjectDer) (tbs.value as forge.asn1.Asn1[])[TBS_SUBJECT] = asn1.fromDer(subjectDer.toString('binary'));
  (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  cert.signature = sign('sha256', tbsDer, issuerKey).toString('binary');
  const der = Buffer.from(asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { der, pem: derToPem(der) };
}

function derToPem(der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** DER of the first certificate in a PEM text (the leaf, for a chain). */
export function pemToDer(pem: string): Buffer {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (body === undefined) throw new Error('no PEM certificate in the text');
  return Buffer.from(body.replace(/\s+/g, ''), 'base64');
}

/** The parts of a certificate that forging copies: names exactly, and raw extensions. */
interface ParsedForCopy {
  subject: RawName;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  extensions: RawExtension[];
}

export function parseForCopy(der: Buffer): ParsedForCopy {
  const parsed = asn1.fromDer(der.toString('binary'));
  const tbs = (parsed.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  // TBSCertificate: [0] version (optional), serial, signature, issuer, validity, subject, SPKI, ...
  const first = tbs[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const subjectDer = Buffer.from(asn1.toDer(tbs[first + 4]!).getBytes(), 'binary');
  // forge reads RSA keys only; forging never copies the key, so an ECDSA or Ed25519 original
  // (as Google's and Facebook's were) is read with a stand-in RSA key in its place.
  tbs[first + 5] = pki.publicKeyToAsn1(standInRsaKey());
  const cert = pki.certificateFromAsn1(parsed);
  return {
    subject: { raw: cert.subject.attributes, der: subjectDer },
    serialHex: cert.serialNumber,
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    extensions: (cert.extensions as Array<{ id: string; critical?: boolean; value: string }>).map((e) => ({
      oid: e.id,
      critical: !!e.critical,
      valueDer: Buffer.from(e.value, 'binary'),
    })),
  };
}

function isRaw(e: Record<string, unknown> | RawExtension): e is RawExtension {
  return typeof (e as RawExtension).oid === 'string' && Buffer.isBuffer((e as RawExtension).valueDer);
}

function toForgeName(name: DistinguishedName | RawName): forge.pki.CertificateField[] {
  if ('raw' in name) return name.raw.map((a) => ({ ...a }));
  // UTF8String, as modern CAs encode names (RFC 5280 4.1.2.4); C stays PrintableString.
  return name.map((a) => {
    // forge's types call valueTagClass an asn1.Class; forge reads it as the value's tag (an asn1.Type).
    const tag: number = a.shortName === 'C' ? asn1.Type.PRINTABLESTRING : asn1.Type.UTF8;
    return { shortName: a.shortName, value: a.value, valueTagClass: tag };
  });
}

/** DER INTEGERs are signed: keep a serial positive by prefixing 00 when its top bit is set. */
function positiveSerial(hex: string): string {
  let h = hex.toLowerCase().replace(/^0+(?=..)/, '');
  if (h.length % 2) h = '0' + h;
  return parseInt(h.slice(0, 2), 16) >= 0x80 ? '00' + h : h;
}

let standIn: forge.pki.rsa.PublicKey | null = null;
/** Any RSA public key will do: it only fills the place of the original's key while reading. */
function standInRsaKey(): forge.pki.rsa.PublicKey {
  standIn ??= pki.setRsaPublicKey(new forge.jsbn.BigInteger('c7'.repeat(64), 16), new forge.jsbn.BigInteger('10001', 16));
  return standIn;
}
