/**
 * The scenario file format, declared once as a zod schema.
 *
 * A scenario is plain data: which state CA profile to mint, which
 * interception policy the ISP runs, which clients live through which session, and what the
 * report must show afterwards. The same definition drives the CLI, the console and the
 * containers, so the schema is strict: an unknown key is an error, never silently ignored,
 * because a typo such as `upstreamChek: false` would otherwise quietly change the lesson.
 *
 * Every hostname must be a lab name (ending in .example or .test; RFC 2606 / RFC 6761
 * reserve both), so no scenario can point a client or the interceptor at a real site
 * (README, "Safety").
 */
import { z } from 'zod';
import { CLIENT_PROFILES } from '../../lab/client-profiles.ts';
import {
  AccountSchema,
  DEFAULT_ACCOUNTS,
  DEFAULT_SITES,
  SiteSpecSchema,
  installPageHost,
  resolveSites,
  serviceOfHost,
  LAB_MACHINES,
  siteListProblems,
  type SiteKind,
} from './sites.ts';
import { StateCaSchema, type StateCa } from './state-ca.ts';
import { closest } from './yaml-validation.ts';

// ---------------------------------------------------------------------------------------------
// Closed sets. Exported as arrays so the CLI, the report and error messages name the same values.

/** Suffixes of the names the lab may use; anything else is outside the lab. */
// .invalid (RFC 2606) names the lab's stand-in for a site outside the lab's names: it can
// never resolve on the real internet, and the state CA's name constraints exclude it.
export const LAB_HOSTNAME_SUFFIXES = ['.example', '.test', '.invalid'] as const;

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

/** What the interceptor's capture log can record (docs/architecture.md, "The report"). */
export const CAPTURE_KINDS = ['url', 'cookie', 'credential', 'header', 'body', 'ws-message'] as const;
/** Who can read traffic: the ISP box, or a second attacker beyond it (the sloppy scenario). */
export const OBSERVERS = ['isp', 'upstream-attacker'] as const;

export type InterceptPolicy = (typeof INTERCEPT_POLICIES)[number];
export type PlainHttpPolicy = (typeof PLAIN_HTTP_POLICIES)[number];
export type TrustAnchor = (typeof TRUST_ANCHORS)[number];
export type ActionKind = (typeof ACTION_KINDS)[number];
export type Outcome = (typeof OUTCOMES)[number];
export type RefusalCause = (typeof REFUSAL_CAUSES)[number];
export type CaptureKind = (typeof CAPTURE_KINDS)[number];

// ---------------------------------------------------------------------------------------------
// Names.

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const LAB_HOST_RE = new RegExp(`^(?:${LABEL}\\.)+(?:example|test|invalid)$`);
const KEBAB_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** True for a lowercase hostname under one of the lab's reserved suffixes. */
export function isLabHostname(host: string): boolean {
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

const LabHostname = z
  .string()
  .superRefine((host, ctx) => {
    const problem = hostnameProblem(host);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A lab hostname: lowercase, ending in .example or .test (e.g. bank.example)');

const TargetName = z
  .string()
  .superRefine((name, ctx) => {
    // A leading "*." matches any subdomain, as the 2019 list matched whole services.
    const problem = hostnameProblem(name.startsWith('*.') ? name.slice(2) : name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A targeted name: a lab hostname, optionally starting with "*." for every subdomain');

const LabUrl = z
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

const KebabName = (what: string) =>
  z.string().regex(KEBAB_RE, `${what} must be kebab-case: lowercase letters, digits and single dashes, like "installed-cert"`);

// ---------------------------------------------------------------------------------------------
// Parts of a scenario.

/** Routers on each side of the box at most: a runtime with real hops numbers them into free addresses of its /24s. */
export const MAX_ROUTERS = 6;

export const InterceptorSchema = z
  .strictObject({
    policy: z.enum(INTERCEPT_POLICIES).describe('sni-targets: re-sign only the targeted names; intercept-all: re-sign everything; none: pass all through'),
    targets: z.array(TargetName).optional().describe('Names whose TLS is re-signed (the ClientHello SNI is matched against these); required for sni-targets'),
    blocks: z
      .array(TargetName)
      .optional()
      .describe(
        'Names the box blocks outright: a ClientHello naming one, or plain HTTP to one, gets a TCP reset (Kazakhstan 2021–24, beside the interception; OONI 2024)',
      ),
    plainHttp: z
      .enum(PLAIN_HTTP_POLICIES)
      .default('install-page-for-targets')
      .describe('What happens to plain HTTP: redirect visitors of targeted names (or of all names) to the install page, or pass it'),
    upstreamCheck: z
      .boolean()
      .default(true)
      .describe('Intercept only when the real server presents a browser-trusted certificate (the third trigger in Raman et al. 2020)'),
    validatesUpstream: z
      .boolean()
      .default(true)
      .describe("Verify the real server's certificate on the box's own upstream connections (Durumeric et al. 2017 found products that do not)"),
    location: z
      .strictObject({
        routersBefore: z.number().int().min(0).max(MAX_ROUTERS).default(0).describe('Routers between the subscribers and the box'),
        routersAfter: z.number().int().min(0).max(MAX_ROUTERS).default(0).describe('Routers between the box and the sites'),
      })
      .default({ routersBefore: 0, routersAfter: 0 })
      .describe(
        "Where the box sits on the path: in the docker lab, real router containers on each side (TTL decrements at each); `tlslab detect --runtime docker` must find the box's hop. The local runtime has no hops",
      ),
  })
  .superRefine((i, ctx) => {
    if (i.policy === 'sni-targets' && i.targets === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'missing field "targets": policy sni-targets needs a list of targeted names (it may be empty: [])',
      });
    }
    if (i.policy !== 'sni-targets' && i.targets !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: `targets are only used with policy sni-targets; remove them or change the policy (now ${i.policy})`,
      });
    }
    reportDuplicates(i.targets ?? [], (t) => t, ['targets'], 'target', ctx);
    reportDuplicates(i.blocks ?? [], (t) => t, ['blocks'], 'blocked name', ctx);
    (i.blocks ?? []).forEach((b, n) => {
      if ((i.targets ?? []).includes(b))
        ctx.addIssue({
          code: 'custom',
          path: ['blocks', n],
          message: `"${b}" is both targeted and blocked; a blocked name is never forged, so keep it in one list`,
        });
    });
  })
  .transform((i) => ({ ...i, targets: i.targets ?? [], blocks: i.blocks ?? [] }))
  .describe('The ISP box on the path: which connections it re-signs and what it does with plain HTTP');

export const CLIENT_PROGRAMS = ['scripted', 'curl', 'openssl', 'chromium'] as const;
export const BLOCKLIST_EMULATIONS = ['chrome-2019', 'chrome-2020', 'firefox-2019'] as const;
export const PIN_KINDS = ['site-key', 'issuing-ca'] as const;
export const CT_RULES = ['every-chain', 'public-roots-only'] as const;
/**
 * How a detector beside the browser notices a re-signed connection: the key the site
 * publishes (a notary, Certificate Patrol), or the lab's CT log, whatever root the chain ends at.
 */
export const DETECTION_METHODS = ['published-keys', 'ct-log'] as const;

export const DefencesSchema = z
  .strictObject({
    blockedRoots: z
      .enum(BLOCKLIST_EMULATIONS)
      .optional()
      .describe("Emulate a browser's block list of interception roots as of that release (Chromium SPKI block list / Firefox OneCRL)"),
    pins: z.record(z.string(), z.enum(PIN_KINDS)).optional().describe("Pinned sites: site-key (the site's own public key) or issuing-ca (its CA's key)"),
    certificateTransparency: z.enum(CT_RULES).optional().describe('Demand SCTs: on every-chain, or only on chains to publicly trusted roots (Chromium)'),
    detectInterception: z
      .enum(DETECTION_METHODS)
      .optional()
      .describe(
        "A detector beside the browser, as 2019's extensions and notaries were, on chains the browser accepted: published-keys compares the leaf's key with the one the site publishes (every site, unlike pins); ct-log wants an SCT from the lab's CT log whatever the root. The person heeds it: refused, \"intercepted, by <issuer CN>\"",
      ),
    frontDomain: LabHostname.optional().describe('Domain fronting: SNI and TCP go to this front; the Host header names the real site'),
    tunnel: LabHostname.optional().describe('Send everything through a pinned TLS tunnel to this exit beyond the ISP'),
  })
  .describe('Defences against interception');

export const ClientSpecSchema = z
  .strictObject({
    name: KebabName('a client name').describe('Unique kebab-case name, used in expectations and the report'),
    description: z.string().min(1).optional().describe('Who this client is, for the walkthrough'),
    trusts: z
      .array(z.enum(TRUST_ANCHORS))
      .min(1)
      .superRefine((t, ctx) => reportDuplicates(t, (x) => x, [], 'trust store', ctx))
      .describe('Trust stores this client holds: web (the public web PKI), state (the installed state root)'),
    program: z
      .union([
        z.enum(CLIENT_PROGRAMS),
        z
          .strictObject({
            command: z
              .array(z.string().min(1))
              .min(1)
              .describe(
                "A program of your own and its arguments, run once per step as this subscriber (no proxy settings); {url}, {site}, {username}, {password}, {query} become the step's",
              ),
          })
          .describe('Your own program'),
      ])
      .default('scripted')
      .describe(
        'What runs the session: scripted (Node TLS), the real curl or openssl s_client, real Chromium, or { command: [...] }, a program of your own (local runtime, as root)',
      ),
    clickThrough: z.boolean().optional().describe('The user clicks through certificate warnings where the browser allows it'),
    defences: DefencesSchema.optional(),
  })
  .describe('A simulated subscriber');

const SiteField = LabHostname;
const Username = z.string().min(1).describe('The account name typed into the form');
const Password = z.string().min(1).describe('The password typed into the form; what the interceptor hopes to capture');

export const BrowseActionSchema = z.strictObject({ kind: z.literal('browse'), url: LabUrl }).describe('Open a URL and read the page');
export const LoginActionSchema = z
  .strictObject({ kind: z.literal('login'), site: SiteField, username: Username, password: Password })
  .describe('Submit a login form');
export const MailActionSchema = z
  .strictObject({ kind: z.literal('mail'), site: SiteField, username: Username, password: Password })
  .describe('Sign in to webmail and read the inbox');
export const ChatActionSchema = z
  .strictObject({
    kind: z.literal('chat'),
    site: SiteField,
    messages: z.array(z.string().min(1)).min(1).describe('Chat messages sent over the WebSocket, in order'),
  })
  .describe('Send chat messages over a WebSocket');
export const SearchActionSchema = z
  .strictObject({ kind: z.literal('search'), site: SiteField, query: z.string().min(1).describe('What the user searches for') })
  .describe('Run a search');

export const StepActionSchema = z
  .discriminatedUnion('kind', [BrowseActionSchema, LoginActionSchema, MailActionSchema, ChatActionSchema, SearchActionSchema])
  .describe('What the client does: browse, login, mail, chat or search');

export const SessionStepSchema = z
  .strictObject({
    id: KebabName('a step id').describe('Unique kebab-case id of the step'),
    title: z.string().min(1).optional().describe('Short title; defaults to a sentence made from the action'),
    narrative: z.string().min(1).optional().describe("Text for the teacher's walkthrough: what happens and what the state sees"),
    action: StepActionSchema,
  })
  // A missing title falls back to explainStep, so every step has something to show.
  .transform((s) => ({ ...s, title: s.title ?? capitalise(explainStep(s.action)) }))
  .describe('One thing every client does, in order');

/** The two forms an expectation takes once parsed (ExpectationSchema below reads both). */
export const OutcomeExpectationSchema = z
  .strictObject({
    client: z.string(),
    site: LabHostname,
    outcome: z.enum(OUTCOMES),
    cause: z.enum(REFUSAL_CAUSES).optional(),
  })
  .describe('What happened to a client on a site: exposed, refused (with a cause) or untouched');
export const CaptureExpectationSchema = z
  .strictObject({
    client: z.string(),
    site: LabHostname,
    captured: z.enum([...CAPTURE_KINDS, 'nothing']),
    contains: z.string().min(1).optional(),
    by: z.enum(OBSERVERS).optional(),
  })
  .describe("What the interceptor's capture log holds for a client on a site");

/**
 * Read as one flat object, then split into the outcome form or the captured form. A zod
 * union would report "Invalid input" for both branches; this way each mistake gets its own
 * sentence on its own line.
 */
export const ExpectationSchema = z
  .strictObject({
    client: z.string().describe('A client declared under clients'),
    site: LabHostname.describe('The site the expectation is about; some session step must visit it'),
    outcome: z.enum(OUTCOMES).optional().describe('exposed, refused or untouched'),
    cause: z.enum(REFUSAL_CAUSES).optional().describe('Why the client refused (only with outcome: refused)'),
    captured: z
      .enum([...CAPTURE_KINDS, 'nothing'])
      .optional()
      .describe('A capture kind the interceptor must have logged, or nothing'),
    contains: z.string().min(1).optional().describe('Text the captured value must contain (only with captured)'),
    by: z.enum(OBSERVERS).optional().describe('Who read it: isp (the default) or upstream-attacker (only with captured)'),
  })
  .superRefine((e, ctx) => {
    if (e.by !== undefined && e.captured === undefined) {
      ctx.addIssue({ code: 'custom', path: ['by'], message: 'by only goes with captured: <kind>' });
    }
    const has = (k: keyof typeof e) => e[k] !== undefined;
    if (has('outcome') && has('captured')) {
      ctx.addIssue({ code: 'custom', path: ['captured'], message: 'an expectation checks either an outcome or a capture, not both; split it into two lines' });
    } else if (!has('outcome') && !has('captured')) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `missing field "outcome" or "captured": say what should happen (outcome: ${OUTCOMES.join(' | ')}) or what the interceptor should log (captured: ${CAPTURE_KINDS.join(' | ')} | nothing)`,
      });
    }
    if (has('cause') && e.outcome !== 'refused') {
      ctx.addIssue({ code: 'custom', path: ['cause'], message: 'a cause only goes with outcome: refused' });
    }
    if (has('contains') && (!has('captured') || e.captured === 'nothing')) {
      ctx.addIssue({ code: 'custom', path: ['contains'], message: 'contains only goes with captured: <kind> (not with nothing)' });
    }
  })
  .transform((e): OutcomeExpectation | CaptureExpectation =>
    e.outcome !== undefined
      ? { client: e.client, site: e.site, outcome: e.outcome, ...(e.cause ? { cause: e.cause } : {}) }
      : { client: e.client, site: e.site, captured: e.captured!, ...(e.contains ? { contains: e.contains } : {}), ...(e.by ? { by: e.by } : {}) },
  )
  .describe('What the report must show for one client and site');

/** This scenario as one column of `tlslab matrix`: which steps every standard client profile takes, and what must happen. */
export const MatrixSchema = z
  .strictObject({
    steps: z.array(z.string()).min(1).describe('Ids of the session steps each client profile takes in the matrix'),
    expect: z.array(ExpectationSchema).default([]).describe('What each client profile must meet in this column'),
  })
  .describe('This scenario as a column of `tlslab matrix`');

export const ScenarioSchema = z
  .strictObject({
    name: KebabName('the scenario name').describe("The scenario's name; must equal the file name without .yaml"),
    title: z.string().min(1).describe('Title shown at the top of the walkthrough'),
    summary: z.string().min(1).describe('One line shown by `tlslab list`'),
    period: z.string().min(1).optional().describe('When the real event happened, e.g. "17 July – 7 August 2019"'),
    stateCa: StateCaSchema,
    sites: z
      .array(SiteSpecSchema)
      .min(1)
      .optional()
      .describe(
        'The hosts of the lab, in order (their addresses follow it); when absent, the Kazakh world of 2019: ' +
          DEFAULT_SITES.map((x) => `${x.host} (${x.kind})`).join(', '),
      ),
    accounts: z
      .array(AccountSchema)
      .min(1)
      .optional()
      .describe(
        `The people with logins on the bank, mail and social sites (a site may list its own); when absent, ${DEFAULT_ACCOUNTS.map((a) => `${a.username} / ${a.password}`).join(' and ')}`,
      ),
    interceptor: InterceptorSchema,
    clients: z.array(ClientSpecSchema).min(1).describe('The subscribers; each lives the whole session'),
    session: z.array(SessionStepSchema).min(1).describe('The steps every client takes, in order'),
    expect: z.array(ExpectationSchema).default([]).describe('What the report must show; checked after the run'),
    matrix: MatrixSchema.optional(),
    attacker: z
      .strictObject({
        impersonates: z.array(LabHostname).min(1).describe('Sites whose traffic beyond the ISP the attacker hijacks'),
      })
      .optional()
      .describe('A second attacker on the upstream side, beyond the ISP, presenting its own untrusted certificates'),
  })
  .superRefine((s, ctx) => {
    reportDuplicates(s.clients, (c) => c.name, ['clients'], 'client name', ctx, 'name');
    reportDuplicates(s.session, (st) => st.id, ['session'], 'step id', ctx, 'id');
    for (const p of siteListProblems(s.sites ?? [])) ctx.addIssue({ code: 'custom', path: ['sites', ...p.path], message: p.message });
    const world = resolveSites(s.sites ?? DEFAULT_SITES, s.accounts ?? DEFAULT_ACCOUNTS);
    const hosts = world.map((w) => w.host);
    const kindOf = new Map(world.map((w) => [w.host, w.kind]));
    const clients = s.clients.map((c) => c.name);
    const visited = new Set(s.session.map((st) => siteOf(st.action)));
    // A misspelt host (serch.example) is a valid lab name that no lab host answers: every
    // client would be "refused" and a student would read a defence that never happened.
    const unknownHost = (host: string) => `no host of the lab is named "${host}"${didYouMean(host, hosts)}; the lab's hosts are ${hosts.join(', ')}`;
    const kindProblem = (host: string, wanted: readonly SiteKind[], what: string) => {
      const kind = kindOf.get(host);
      if (kind === undefined) return unknownHost(host);
      if (wanted.includes(kind)) return undefined;
      const fitting = world.filter((w) => wanted.includes(w.kind)).map((w) => w.host);
      return `${host} is a ${kind} site, and ${what} needs a ${wanted.join(' or ')} site${fitting.length ? ` (${fitting.join(', ')})` : '; sites declares none'}`;
    };
    const stepsMissHosts = s.session.some((st) => !kindOf.has(siteOf(st.action)));
    s.session.forEach((st, i) => {
      const host = siteOf(st.action);
      const path = ['session', i, 'action', st.action.kind === 'browse' ? 'url' : 'site'];
      const problem =
        st.action.kind === 'browse'
          ? kindOf.has(host)
            ? undefined
            : unknownHost(host)
          : kindProblem(host, STEP_SITE_KINDS[st.action.kind], `a ${st.action.kind} step`);
      if (problem) {
        ctx.addIssue({ code: 'custom', path, message: problem });
        return;
      }
      // Credentials no account has get a 401: the lesson would be about a typo, not about interception.
      // (The outside site takes any pair: it stands for a site the lab knows nothing of.)
      if ((st.action.kind === 'login' || st.action.kind === 'mail') && kindOf.get(host) !== 'outside') {
        const { username, password } = st.action;
        const accounts = world.find((w) => w.host === host)!.accounts;
        const account = accounts.find((a) => a.username === username);
        if (!account) {
          ctx.addIssue({
            code: 'custom',
            path: ['session', i, 'action', 'username'],
            message: `${host} has no account "${username}"${didYouMean(
              username,
              accounts.map((a) => a.username),
            )}; its accounts are ${accounts.map((a) => a.username).join(', ')} (declare people under accounts)`,
          });
        } else if (account.password !== password) {
          ctx.addIssue({
            code: 'custom',
            path: ['session', i, 'action', 'password'],
            message: `that is not ${username}'s password on ${host}; the account says "${account.password}"`,
          });
        }
      }
    });
    // Routers are machines named by their hop (router-1 …; the box's own hop is skipped).
    const { routersBefore, routersAfter } = s.interceptor.location;
    const hops = Array.from({ length: routersBefore + routersAfter + 1 }, (_, i) => i + 1).filter((h) => h !== routersBefore + 1);
    const reserved = new Set([...LAB_MACHINES, ...world.map((w) => serviceOfHost(w.host)), ...hops.map((h) => `router-${h}`)]);
    s.clients.forEach((c, i) => {
      // Each client is a machine of that name too, beside one per host.
      if (reserved.has(c.name))
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i, 'name'],
          message: `"${c.name}" is also the name of one of the lab's machines (a site, a router or the ISP's own); rename the client`,
        });
      const checks = [
        ['frontDomain', ['cdn'], 'domain fronting'],
        ['tunnel', ['vpn'], 'a tunnel'],
      ] as const;
      for (const [key, kinds, what] of checks) {
        const host = c.defences?.[key];
        const problem = host && kindProblem(host, kinds, what);
        if (problem) ctx.addIssue({ code: 'custom', path: ['clients', i, 'defences', key], message: problem });
      }
      // Only the scripted program applies defences itself; Chromium enforces block lists (as a
      // CRLSet); curl, openssl and your own program verify in their own way and would ignore them.
      const applied = c.program === 'scripted' ? null : c.program === 'chromium' ? ['blockedRoots'] : [];
      for (const key of Object.keys(c.defences ?? {})) {
        if (applied && !applied.includes(key)) {
          const program = typeof c.program === 'string' ? c.program : 'your own program';
          ctx.addIssue({
            code: 'custom',
            path: ['clients', i, 'defences', key],
            message: `${program} does not apply ${key}: only program: scripted applies every defence${program === 'chromium' ? ' (Chromium applies blockedRoots)' : ''}; remove it or use program: scripted`,
          });
        }
      }
      for (const host of Object.keys(c.defences?.pins ?? {})) {
        if (!kindOf.has(host)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'defences', 'pins', host], message: unknownHost(host) });
      }
    });
    // A target that names no lab host would never trigger: the box would look fine, and read nothing.
    for (const list of ['targets', 'blocks'] as const) {
      (s.interceptor[list] ?? []).forEach((target, i) => {
        const matches = target.startsWith('*.') ? hosts.some((h) => h.endsWith(target.slice(1))) : hosts.includes(target);
        if (!matches) {
          const message = target.startsWith('*.') ? `"${target}" covers no host of the lab; the lab's hosts are ${hosts.join(', ')}` : unknownHost(target);
          ctx.addIssue({ code: 'custom', path: ['interceptor', list, i], message });
        }
      });
    }
    const redirects =
      s.interceptor.plainHttp === 'install-page-for-all' || (s.interceptor.plainHttp === 'install-page-for-targets' && s.interceptor.policy !== 'none');
    if (redirects && !installPageHost(world)) {
      ctx.addIssue({
        code: 'custom',
        path: ['interceptor', 'plainHttp'],
        message: `plainHttp: ${s.interceptor.plainHttp} sends visitors to the install page, and sites declares none; add one (kind: install-page) or set plainHttp: pass`,
      });
    }
    s.attacker?.impersonates.forEach((host, i) => {
      if (!kindOf.has(host)) ctx.addIssue({ code: 'custom', path: ['attacker', 'impersonates', i], message: unknownHost(host) });
    });
    s.expect.forEach((e, i) => {
      if (!clients.includes(e.client)) {
        ctx.addIssue({ code: 'custom', path: ['expect', i, 'client'], message: `no client is named "${e.client}"; the clients are ${clients.join(', ')}` });
      }
      // A misspelt site (bank.exmaple) is still a lab name, so check it is actually visited;
      // unless a step names no host, when its typo already explains every such miss.
      if (!visited.has(e.site) && !(kindOf.has(e.site) && stepsMissHosts)) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', i, 'site'],
          message: `no session step visits "${e.site}"; the steps visit ${[...visited].join(', ')}`,
        });
      }
    });
    if (s.matrix) {
      const ids = s.session.map((st) => st.id);
      s.matrix.steps.forEach((id, i) => {
        if (!ids.includes(id))
          ctx.addIssue({ code: 'custom', path: ['matrix', 'steps', i], message: `no session step has the id "${id}"; the steps are ${ids.join(', ')}` });
      });
      const profiles = CLIENT_PROFILES.map((c) => c.name);
      // The standard cast pins, fronts and tunnels to the default world's names.
      const needed = [
        ...new Set(
          CLIENT_PROFILES.flatMap((c) => [...Object.keys(c.defences?.pins ?? {}), c.defences?.frontDomain, c.defences?.tunnel]).filter((h): h is string => !!h),
        ),
      ];
      const missing = needed.filter((h) => !kindOf.has(h));
      if (missing.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['matrix'],
          message: `the matrix's client profiles use ${missing.join(', ')}, which sites does not declare; declare them or drop matrix`,
        });
      }
      const matrixSites = new Set(s.session.filter((st) => s.matrix!.steps.includes(st.id)).map((st) => siteOf(st.action)));
      s.matrix.expect.forEach((e, i) => {
        if (!profiles.includes(e.client)) {
          ctx.addIssue({
            code: 'custom',
            path: ['matrix', 'expect', i, 'client'],
            message: `no client profile is named "${e.client}"; the profiles are ${profiles.join(', ')}`,
          });
        }
        if (!matrixSites.has(e.site)) {
          ctx.addIssue({
            code: 'custom',
            path: ['matrix', 'expect', i, 'site'],
            message: `no matrix step visits "${e.site}"; they visit ${[...matrixSites].join(', ')}`,
          });
        }
      });
    }
  })
  .transform(({ sites, accounts, ...rest }) => {
    const people = accounts ?? DEFAULT_ACCOUNTS;
    return { ...rest, accounts: people, sites: resolveSites(sites ?? DEFAULT_SITES, people) };
  })
  .describe('A tls-interception-lab scenario');

/** Which kinds of site each step can be done on. */
const STEP_SITE_KINDS: Record<Exclude<ActionKind, 'browse'>, readonly SiteKind[]> = {
  login: ['bank', 'social', 'outside'],
  mail: ['mail'],
  chat: ['social'],
  search: ['search'],
};

/** ` (did you mean "x"?)` for a near miss, else nothing. */
function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  return near ? ` (did you mean "${near}"?)` : '';
}

// ---------------------------------------------------------------------------------------------
// Types.

export type InterceptorSpec = z.output<typeof InterceptorSchema>;
export type ClientSpec = z.output<typeof ClientSpecSchema>;
export type BrowseAction = z.output<typeof BrowseActionSchema>;
export type LoginAction = z.output<typeof LoginActionSchema>;
export type MailAction = z.output<typeof MailActionSchema>;
export type ChatAction = z.output<typeof ChatActionSchema>;
export type SearchAction = z.output<typeof SearchActionSchema>;
export type StepAction = z.output<typeof StepActionSchema>;
export type SessionStep = z.output<typeof SessionStepSchema>;
export type OutcomeExpectation = z.output<typeof OutcomeExpectationSchema>;
export type CaptureExpectation = z.output<typeof CaptureExpectationSchema>;
export type Expectation = OutcomeExpectation | CaptureExpectation;
/** A scenario as read from its file: every default filled in, its state CA made complete (state-ca.ts). */
export type Scenario = Omit<z.output<typeof ScenarioSchema>, 'stateCa'> & { stateCa: StateCa };
/** The file as written, before defaults are filled in. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;

// ---------------------------------------------------------------------------------------------
// Human explanations (mockttp's explain()), used by the walkthrough, the CLI and the report.

/** The hostname a step talks to. */
export function siteOf(action: StepAction): string {
  return action.kind === 'browse' ? new URL(action.url).hostname : action.site;
}

/** One sentence for a step, e.g. "log in to bank.example as alice". */
export function explainStep(action: StepAction): string {
  switch (action.kind) {
    case 'browse':
      return `open ${action.url}`;
    case 'login':
      return `log in to ${action.site} as ${action.username}`;
    case 'mail':
      return `read mail on ${action.site} as ${action.username}`;
    case 'chat': {
      const n = action.messages.length;
      return `send ${n} chat message${n === 1 ? '' : 's'} on ${action.site}`;
    }
    case 'search':
      return `search ${action.site} for "${action.query}"`;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the checks above.

function reportDuplicates<T>(
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

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
