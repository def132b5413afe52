/** What a person (or a report) wants to know about a certificate, in plain fields. */
import { X509Certificate, createHash } from 'node:crypto';
import forge from 'node-forge';
import { pemToDer } from './certificate.ts';

export interface CertificateSummary {
  subject: string;
  subjectCommonName: string | null;
  issuer: string;
  issuerCommonName: string | null;
  serialHex: string;
  notBefore: string;
  notAfter: string;
  names: string[];
  keyType: string;
  keyBits: number | null;
  publicExponent: number | null;
  /** base64 SHA-256 of the SubjectPublicKeyInfo: what pins and Chromium's block list match. */
  spkiSha256: string;
  fingerprintSha256: string;
  extensions: Array<{ oid: string; name: string; critical: boolean }>;
  /** Permitted DNS subtrees, when the certificate carries name constraints. */
  permittedDns: string[] | null;
  selfSigned: boolean;
}

/** Extensions node-forge has no name for. */
const KNOWN_EXTENSIONS: Record<string, string> = { '1.3.6.1.4.1.11129.2.4.2': 'signedCertificateTimestampList' };

export function describeCertificate(cert: string | Buffer): CertificateSummary {
  const der = typeof cert === 'string' ? pemToDer(cert) : cert;
  const x = new X509Certificate(der);
  const details = x.publicKey.asymmetricKeyDetails ?? {};
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  const parsed = forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary')));
  const exts = parsed.extensions as Array<{ id: string; name?: string; critical?: boolean; permittedSubtrees?: Array<{ type: number; value: string }> }>;
  const nc = exts.find((e) => e.id === '2.5.29.30');
  return {
    subject: oneLine(x.subject),
    subjectCommonName: commonName(x.subject),
    issuer: oneLine(x.issuer),
    issuerCommonName: commonName(x.issuer),
    serialHex: x.serialNumber.toLowerCase(),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    names: (x.subjectAltName ?? '')
      .split(', ')
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4)),
    keyType: x.publicKey.asymmetricKeyType ?? 'unknown',
    keyBits: details.modulusLength ?? null,
    publicExponent: details.publicExponent !== undefined ? Number(details.publicExponent) : null,
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
    fingerprintSha256: x.fingerprint256,
    extensions: exts.map((e) => ({ oid: e.id, name: e.name || KNOWN_EXTENSIONS[e.id] || e.id, critical: !!e.critical })),
    permittedDns: nc ? (nc.permittedSubtrees ?? []).filter((s) => s.type === 2).map((s) => s.value) : null,
    selfSigned: x.subject === x.issuer && x.verify(x.publicKey),
  };
}

function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}

function commonName(dn: string): string | null {
  const line = dn.split('\n').find((l) => l.startsWith('CN='));
  return line ? line.slice(3) : null;
}
