/**
 * A client's refusal, as a closed set of causes with the client's own words
 * beside it. Codes are OpenSSL's verify results as Node names them (X509_V_ERR_* without
 * the prefix) and curl/openssl texts, so every kind of client maps to the same causes.
 */
import type { RefusalCause } from '../scenario/schema.ts';

const RULES: Array<[RegExp, RefusalCause]> = [
  // First: a detector's message names an issuer and SPKI hashes, text that could match a later rule by chance.
  [/INTERCEPTION_DETECTED|^intercepted, by /im, 'interception-detected'],
  [
    /PERMITTED_SUBTREE_VIOLATION|EXCLUDED_SUBTREE_VIOLATION|name constraint|subtree violation|ERR_CERT_INVALID|SEC_ERROR_CERT_NOT_IN_NAME_SPACE/i,
    'name-constraint',
  ],
  [/CERT_REVOKED|certificate revoked|REVOKED|KNOWN_INTERCEPTION_BLOCKED|distrust/i, 'distrusted-root'],
  [/pinned|pin mismatch|PINNEDPUBKEY|public key does not match/i, 'pin-mismatch'],
  [/HSTS/i, 'hsts-no-override'],
  [/CERTIFICATE_TRANSPARENCY|SCT/i, 'ct-missing'],
  [
    /UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_UNTRUSTED|unable to get local issuer|self[- ]signed certificate|unknown ca|AUTHORITY_INVALID|SEC_ERROR_UNKNOWN_ISSUER|MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT/i,
    'untrusted-issuer',
  ],
];

export function refusalCause(errorText: string): RefusalCause {
  for (const [pattern, cause] of RULES) if (pattern.test(errorText)) return cause;
  return 'other';
}

/** One sentence a student understands. */
export function explainCause(cause: RefusalCause): string {
  switch (cause) {
    case 'untrusted-issuer':
      return 'the certificate was issued by a CA this client does not trust';
    case 'distrusted-root':
      return 'the issuing root is installed but distrusted (blocked) by the client';
    case 'pin-mismatch':
      return "the server's key is not the one this client pinned";
    case 'name-constraint':
      return 'the issuing CA is not allowed to vouch for this name (name constraints)';
    case 'hsts-no-override':
      return 'the site uses HSTS, so the warning cannot be clicked through';
    case 'ct-missing':
      return 'the certificate carries no Certificate Transparency proofs';
    case 'interception-detected':
      return "the browser accepted the certificate, but a detector saw it is not the site's own and the person heeded it";
    case 'other':
      return 'the connection failed for another reason';
  }
}
