import { describe, expect, it } from 'vitest';
import { explainCause, refusalCause } from '../../src/clients/refusal.ts';
import { REFUSAL_CAUSES, type RefusalCause } from '../../src/scenario/schema.ts';

/** What real clients print when they refuse, as they print it. */
const CLIENT_TEXTS: Array<[client: string, text: string, cause: RefusalCause]> = [
  ['Node https', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY: unable to get local issuer certificate', 'untrusted-issuer'],
  ['Node https (root sent in chain)', 'SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain', 'untrusted-issuer'],
  [
    'curl',
    'curl: (60) SSL certificate problem: unable to get local issuer certificate\nMore details here: https://curl.se/docs/sslcerts.html',
    'untrusted-issuer',
  ],
  ['openssl s_client', 'depth=1 C = KZ, CN = Qaznet Trust Network\nverify error:num=20:unable to get local issuer certificate', 'untrusted-issuer'],
  ['openssl s_client', 'verify error:num=47:permitted subtree violation', 'name-constraint'],
  ['Node https', 'PERMITTED_SUBTREE_VIOLATION: permitted subtree violation', 'name-constraint'],
  ['Chromium', 'net::ERR_CERT_AUTHORITY_INVALID', 'untrusted-issuer'],
  ['Chromium', 'net::ERR_CERT_REVOKED', 'distrusted-root'],
  ['Chromium', 'net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED', 'distrusted-root'],
  ['Firefox', 'Error code: SEC_ERROR_REVOKED_CERTIFICATE', 'distrusted-root'],
  ['curl --pinnedpubkey', 'curl: (90) SSL: public key does not match pinned public key', 'pin-mismatch'],
  [
    'detector (published-keys)',
    "INTERCEPTION_DETECTED: intercepted, by Security Certificate: bank.example's certificate key sha256/q2SCTxRevoked+pinned/AAAA= is not the one it publishes (sha256/BBBB=)",
    'interception-detected',
  ],
  [
    'detector (ct-log)',
    "INTERCEPTION_DETECTED: intercepted, by HSTS Distrust CA: the certificate for bank.example is not in the lab's CT log abc=",
    'interception-detected',
  ],
  [
    'Node https (wrong name)',
    "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: Host: bank.example. is not in the cert's altnames: DNS:other.example",
    'other',
  ],
  ['Node (server hung up)', 'ECONNRESET: socket hang up', 'other'],
];

describe('refusalCause', () => {
  it.each(CLIENT_TEXTS)('%s: %j → %s', (_client, text, cause) => {
    expect(refusalCause(text)).toBe(cause);
  });

  // Firefox's own words for its two commonest refusals.
  it.each([
    ['Firefox (no installed root)', 'Error code: SEC_ERROR_UNKNOWN_ISSUER', 'untrusted-issuer'],
    ['Firefox (name constraints)', 'Error code: SEC_ERROR_CERT_NOT_IN_NAME_SPACE', 'name-constraint'],
  ] as Array<[string, string, RefusalCause]>)('%s: %j → %s', (_client, text, cause) => {
    expect(refusalCause(text)).toBe(cause);
  });
});

describe('explainCause', () => {
  it.each([...REFUSAL_CAUSES])('%s has a sentence of its own', (cause) => {
    const sentence = explainCause(cause);
    expect(typeof sentence).toBe('string');
    expect(sentence.length).toBeGreaterThan(15);
  });

  it('gives each cause a different sentence', () => {
    const sentences = REFUSAL_CAUSES.map(explainCause);
    expect(new Set(sentences).size).toBe(REFUSAL_CAUSES.length);
  });

  it('explains the Qaznet refusal in words a student understands', () => {
    expect(explainCause(refusalCause('net::ERR_CERT_AUTHORITY_INVALID'))).toMatch(/does not trust/);
    expect(explainCause(refusalCause('net::ERR_CERT_REVOKED'))).toMatch(/distrusted|blocked/);
  });
});
