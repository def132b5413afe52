import { beforeAll, describe, expect, it } from 'vitest';
import { buildCertificate } from '../../src/pki/certificate.ts';
import { SCT_LIST_OID, createCtLog, embeddedScts, hasValidSct, sctListExtension, type CtLog } from '../../src/pki/ct.ts';
import { serverLeafExtensions } from '../../src/pki/extensions.ts';
import { generateRsaKey, type LabKey } from '../../src/pki/keys.ts';
import { at } from '../support/at.ts';

/** The lab's CT log (RFC 6962 3.3 extension, lab-simplified signed input) on real certificates. */

const WHEN = new Date('2019-07-18T06:00:00.000Z');
const NAMES = ['bank.example', 'www.bank.example'];

function certificate(key: LabKey, names: string[], extra: ReturnType<typeof sctListExtension>[] = []): Buffer {
  return buildCertificate(
    {
      serialHex: '1234abcd',
      subject: [{ shortName: 'CN', value: at(names, 0, 'name') }],
      issuer: [{ shortName: 'CN', value: at(names, 0, 'name') }],
      notBefore: new Date('2019-07-01T00:00:00Z'),
      notAfter: new Date('2019-10-01T00:00:00Z'),
      publicKey: key.publicKey,
      extensions: [...serverLeafExtensions({ names, subjectKey: key.publicKey, issuerKey: key.publicKey }), ...extra],
    },
    key.privateKey,
  ).der;
}

describe('SCT list extension', () => {
  const log: CtLog = createCtLog();
  const other: CtLog = createCtLog();
  let key: LabKey;
  let withSct: Buffer;
  let withoutSct: Buffer;

  beforeAll(async () => {
    key = await generateRsaKey(2048);
    withSct = certificate(key, NAMES, [sctListExtension(log, NAMES, WHEN)]);
    withoutSct = certificate(key, NAMES);
  });

  it('is the RFC 6962 extension, not critical', () => {
    const ext = sctListExtension(log, NAMES, WHEN);
    expect(ext.oid).toBe(SCT_LIST_OID);
    expect(ext.oid).toBe('1.3.6.1.4.1.11129.2.4.2');
    expect(ext.critical).toBe(false);
  });

  it('gives a log id that is the SHA-256 of the log key, and different logs different ids', () => {
    expect(Buffer.from(log.id, 'base64')).toHaveLength(32);
    expect(other.id).not.toBe(log.id);
  });

  it('verifies for the names it was made for', () => {
    expect(hasValidSct(withSct, NAMES, log)).toBe(true);
  });

  it('does not verify for other names', () => {
    expect(hasValidSct(withSct, ['evil.example'], log)).toBe(false);
    expect(hasValidSct(withSct, ['bank.example'], log)).toBe(false);
    expect(hasValidSct(withSct, [...NAMES].reverse(), log)).toBe(false);
  });

  it('does not verify under another log (by id, and by key under a borrowed id)', () => {
    expect(hasValidSct(withSct, NAMES, other)).toBe(false);
    expect(hasValidSct(withSct, NAMES, { id: log.id, publicKey: other.publicKey })).toBe(false);
  });

  it('embeddedScts returns the one SCT with the log id and the time', () => {
    const scts = embeddedScts(withSct);
    expect(scts).toHaveLength(1);
    const sct = at(scts, 0, 'SCT');
    expect(sct.logId).toBe(log.id);
    expect(sct.timestamp.toISOString()).toBe(WHEN.toISOString());
    expect(sct.signature.length).toBeGreaterThan(60); // a DER ECDSA P-256 signature
  });

  it('finds nothing in a certificate without the extension', () => {
    expect(embeddedScts(withoutSct)).toEqual([]);
    expect(hasValidSct(withoutSct, NAMES, log)).toBe(false);
  });

  it("verifies another log's SCT only under that log", () => {
    const onlyOther = certificate(key, NAMES, [sctListExtension(other, NAMES, WHEN)]);
    expect(embeddedScts(onlyOther).map((s) => s.logId)).toEqual([other.id]);
    expect(hasValidSct(onlyOther, NAMES, other)).toBe(true);
    expect(hasValidSct(onlyOther, NAMES, log)).toBe(false);
  });
});
