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
import { CLIENT_PROFILES } from './client-profiles.ts';
import { ClientSpecSchema } from './schema/client.ts';
import { KebabName, LabHostname, didYouMean, reportDuplicates, type ActionKind } from './schema/common.ts';
import { InterceptorSchema } from './schema/interceptor.ts';
import { ExpectationSchema, MatrixSchema, SessionStepSchema, siteOf } from './schema/session.ts';
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

// The parts of the format, one file each; re-exported so every importer reads them from here.
export * from './schema/common.ts';
export * from './schema/interceptor.ts';
export * from './schema/client.ts';
export * from './schema/session.ts';

// ---------------------------------------------------------------------------------------------
// The scenario.

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

// ---------------------------------------------------------------------------------------------
// Types.

/** A scenario as read from its file: every default filled in, its state CA made complete (state-ca.ts). */
export type Scenario = Omit<z.output<typeof ScenarioSchema>, 'stateCa'> & { stateCa: StateCa };
