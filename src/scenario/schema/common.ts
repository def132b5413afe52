/**
 * What every part of the scenario format shares: the closed sets of values, the lab's names
 * (hostnames, targets, URLs, kebab-case names) and the helpers the checks use.
 */
import { z } from 'zod';
import { LAB_DNS_SUFFIXES, namesUnder, OUTSIDE_DNS_SUFFIX } from '../../lab-names.ts';
import { closest } from '../yaml-validation.ts';

// ---------------------------------------------------------------------------------------------
// Closed sets. Exported as arrays so the CLI, the report and error messages name the same values.

/** Suffixes of the names the lab may use (lab-names.ts); anything else is outside the lab. */
const LAB_HOSTNAME_SUFFIXES = [...LAB_DNS_SUFFIXES, OUTSIDE_DNS_SUFFIX].map((s) => `.${s}`);

/** How the ISP box decides which TLS connections to re-sign. */
export const INTERCEPT_POLICIES = ['sni-targets', 'intercept-all', 'none'] as const;

/** What the ISP box does with plain HTTP (port 80). */
export const PLAIN_HTTP_POLICIES = ['install-page-for-targets', 'install-page-for-all', 'pass'] as const;

/** Trust stores a client can hold: the public web PKI, and the state root if installed. */
export const TRUST_ANCHORS = ['web', 'state'] as const;

export const ACTION_KINDS = ['browse', 'login', 'mail', 'chat', 'search'] as const;

/**
 * Report outcomes (docs/architecture.md, "The report"): exposed (the box read it), refused (the
 * client refused the certificate it was shown), untouched (passed through), blocked (the box
 * reset the connection: nothing reached, nothing read).
 */
export const OUTCOMES = ['exposed', 'refused', 'untouched', 'blocked'] as const;

/**
 * Why a client refused a forged certificate: a closed set, each mapped
 * from the client's own error text by the clients/ module.
 * untrusted-issuer: no installed root (curl "unable to get local issuer certificate");
 * distrusted-root: the state root is blocked even though installed (Chromium ERR_CERT_REVOKED,
 * Firefox OneCRL); pin-mismatch; name-constraint; hsts-no-override; ct-missing;
 * interception-detected (the browser accepted the chain, a detector the person heeds did not).
 */
export const REFUSAL_CAUSES = [
  'untrusted-issuer',
  'distrusted-root',
  'pin-mismatch',
  'name-constraint',
  'hsts-no-override',
  'ct-missing',
  'interception-detected',
  'other',
] as const;

/** What the interceptor's capture log can record (the box declares them: interceptor/events.ts). */
export { CAPTURE_KINDS, type CaptureKind } from '../../interceptor/events.ts';
/** Who can read traffic: the ISP box, or a second attacker beyond it (the sloppy scenario). */
export const OBSERVERS = ['isp', 'upstream-attacker'] as const;

export type TrustAnchor = (typeof TRUST_ANCHORS)[number];
export type ActionKind = (typeof ACTION_KINDS)[number];
export type Outcome = (typeof OUTCOMES)[number];
export type RefusalCause = (typeof REFUSAL_CAUSES)[number];

// ---------------------------------------------------------------------------------------------
// Names.

const LAB_HOST_RE = namesUnder([...LAB_DNS_SUFFIXES, OUTSIDE_DNS_SUFFIX]);
const KEBAB_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** True for a lowercase hostname under one of the lab's reserved suffixes. */
function isLabHostname(host: string): boolean {
  return LAB_HOST_RE.test(host);
}

/** The sentence a student sees when a name is not a lab name; undefined when it is fine. */
function hostnameProblem(host: string): string | undefined {
  if (isLabHostname(host)) return undefined;
  if (host !== host.toLowerCase() && isLabHostname(host.toLowerCase())) {
    return `write hostnames in lowercase: "${host.toLowerCase()}"`;
  }
  return (
    `"${host}" is not a lab name: every name must end in ${LAB_HOSTNAME_SUFFIXES.join(' or ')} ` +
    `(for example bank.example), so nothing in a scenario can reach a real site`
  );
}

export const LabHostname = z
  .string()
  .superRefine((host, ctx) => {
    const problem = hostnameProblem(host);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A lab hostname: lowercase, ending in .example or .test (e.g. bank.example)');

export const TargetName = z
  .string()
  .superRefine((name, ctx) => {
    // A leading "*." matches any subdomain, as the 2019 list matched whole services.
    const problem = hostnameProblem(name.startsWith('*.') ? name.slice(2) : name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A targeted name: a lab hostname, optionally starting with "*." for every subdomain');

export const LabUrl = z
  .string()
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a URL; write it like "https://news.example/"` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `the URL must start with http:// or https://, got "${url.protocol}//"` });
      return;
    }
    // URL parsing lowercases the host, so compare with the text as written.
    const problem = hostnameProblem(text.includes(url.hostname) ? url.hostname : hostFromText(text));
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('An http:// or https:// URL on a lab hostname, e.g. "http://qca.example/"');

function hostFromText(text: string): string {
  return text.replace(/^[a-z]+:\/\//i, '').split(/[/:?#]/)[0] ?? text;
}

export const KebabName = (what: string) =>
  z.string().regex(KEBAB_RE, `${what} must be kebab-case: lowercase letters, digits and single dashes, like "installed-cert"`);

// ---------------------------------------------------------------------------------------------
// Helpers for the checks (here, in the other schema/ files and in ../schema.ts).

/** ` (did you mean "x"?)` for a near miss, else nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  return near ? ` (did you mean "${near}"?)` : '';
}

export function reportDuplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  path: (string | number)[],
  what: string,
  ctx: z.RefinementCtx,
  field?: string,
): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const seen = first.get(k);
    if (seen === undefined) {
      first.set(k, i);
      return;
    }
    const at = [...path, i, ...(field ? [field] : [])];
    ctx.addIssue({ code: 'custom', path: at, message: `duplicate ${what} "${k}" (already used by item ${seen + 1} of this list)` });
  });
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
