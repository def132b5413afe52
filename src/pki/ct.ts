/**
 * A lab Certificate Transparency log, enough to show what CT does and does not do against
 * an interceptor: the web PKI embeds a signed certificate timestamp (SCT) in each site
 * certificate (RFC 6962 3.3, extension 1.3.6.1.4.1.11129.2.4.2); a forger has none.
 * Simplification, said in the report: the SCT signs the certificate's names and the time,
 * not the full precertificate entry of RFC 6962 3.2.
 */
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { RawExtension } from './certificate.ts';

export const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';

export interface CtLog {
  /** SHA-256 of the log's public key (RFC 6962 3.2 LogID), base64. */
  id: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function createCtLog(): CtLog {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  return { id, publicKey, privateKey };
}

function signedInput(timestamp: bigint, names: string[]): Buffer {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(timestamp);
  return Buffer.concat([Buffer.from('tlslab-sct-v1'), ts, createHash('sha256').update(names.join(',')).digest()]);
}

/** The SignedCertificateTimestampList extension for a certificate with these names. */
export function sctListExtension(log: CtLog, names: string[], when: Date): RawExtension {
  const timestamp = BigInt(when.getTime());
  const signature = sign('sha256', signedInput(timestamp, names), log.privateKey);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(timestamp);
  const sct = Buffer.concat([
    Buffer.from([0]), // v1
    Buffer.from(log.id, 'base64'),
    ts,
    u16(0), // no extensions
    Buffer.from([4, 3]), // sha256, ecdsa
    u16(signature.length),
    signature,
  ]);
  const list = Buffer.concat([u16(sct.length + 2), u16(sct.length), sct]);
  // The extension value is an OCTET STRING holding the TLS-encoded list (RFC 6962 3.3).
  const der = forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, list.toString('binary')));
  return { oid: SCT_LIST_OID, critical: false, valueDer: Buffer.from(der.getBytes(), 'binary') };
}

interface EmbeddedSct {
  logId: string;
  timestamp: Date;
  signature: Buffer;
}

/** The SCTs embedded in a certificate (none for a forged one). */
export function embeddedScts(certDer: Buffer): EmbeddedSct[] {
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(certDer.toString('binary')));
  const ext = (cert.extensions as Array<{ id: string; value: string }>).find((e) => e.id === SCT_LIST_OID);
  if (!ext) return [];
  const inner = Buffer.from(forge.asn1.fromDer(ext.value).value as string, 'binary');
  const out: EmbeddedSct[] = [];
  let at = 2;
  while (at + 2 <= inner.length) {
    const len = inner.readUInt16BE(at);
    const sct = inner.subarray(at + 2, at + 2 + len);
    const sigLen = sct.readUInt16BE(1 + 32 + 8 + 2 + 2);
    out.push({
      logId: sct.subarray(1, 33).toString('base64'),
      timestamp: new Date(Number(sct.readBigUInt64BE(33))),
      signature: sct.subarray(1 + 32 + 8 + 2 + 2 + 2, 1 + 32 + 8 + 2 + 2 + 2 + sigLen),
    });
    at += 2 + len;
  }
  return out;
}

/** True when the certificate carries an SCT from this log whose signature holds for its names. */
export function hasValidSct(certDer: Buffer, names: string[], log: { id: string; publicKey: KeyObject }): boolean {
  return embeddedScts(certDer).some(
    (s) => s.logId === log.id && verify('sha256', signedInput(BigInt(s.timestamp.getTime()), names), log.publicKey, s.signature),
  );
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
