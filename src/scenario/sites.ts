/**
 * The lab's hosts as data: which kind of site runs at which name, with which accounts and
 * branding. A scenario that declares no `sites` gets the Kazakh world the lab was built for
 * (DEFAULT_SITES, DEFAULT_ACCOUNTS); one that declares them gets exactly those hosts, and every
 * name elsewhere in the file (steps, targets, pins, expectations) must be one of them.
 *
 * The kinds are the lab's site programs (lab/sites/): what a kind does is code, what it is
 * called and who has an account there is data.
 */
import { z } from 'zod';
import { LAB_DNS_SUFFIXES, namesUnder, OUTSIDE_DNS_SUFFIX } from '../lab-names.ts';

/** The site programs the lab can run, one per kind. */
export const SITE_KINDS = ['bank', 'social', 'mail', 'search', 'news', 'cdn', 'vpn', 'install-page', 'outside'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

/** Kinds whose pages need an account to log in (the same accounts everywhere, as people reuse passwords). */
const KINDS_WITH_ACCOUNTS: readonly SiteKind[] = ['bank', 'mail', 'social'];

/** Kinds the lab runs at most once: one install page, one tunnel exit. */
const SINGLE_KINDS: readonly SiteKind[] = ['install-page', 'vpn'];

/** Most hosts a lab may declare: each takes a last octet (9, 10, …) and two ports on an ISP box in a machine of its own. */
const MAX_SITES = 40;

const INSIDE_RE = namesUnder(LAB_DNS_SUFFIXES);
const OUTSIDE_RE = namesUnder([OUTSIDE_DNS_SUFFIX]);

const Money = z.number().refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, {
  message: 'an amount in the currency, with at most two decimals, e.g. 1254300.50',
});

export const TransactionSchema = z
  .strictObject({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, e.g. 2019-07-16')
      .describe('Booking date, YYYY-MM-DD'),
    description: z.string().min(1).describe('What the statement line says'),
    amount: Money.describe("In the bank's currency; negative for money going out"),
  })
  .describe('One line of a bank statement');

const MailSchema = z
  .strictObject({
    from: z.string().min(1).describe('Sender, e.g. "Qazaq Bank <no-reply@bank.example>"'),
    subject: z.string().min(1).describe('Subject line'),
    preview: z.string().min(1).describe('The first lines, shown in the inbox'),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}/, 'a date or time, e.g. 2019-07-14T09:12:00+06:00')
      .describe('When it arrived'),
  })
  .describe('One message in a webmail inbox');

export const AccountSchema = z
  .strictObject({
    username: z.string().min(1).describe('The name typed into login forms'),
    password: z.string().min(1).describe('The password; what the interceptor hopes to capture'),
    displayName: z.string().min(1).describe("The person's name, shown on pages and in the chat"),
    accountNumber: z.string().min(1).optional().describe('The bank account number shown to them (an IBAN, say); made up when absent'),
    balance: Money.optional().describe('Their bank balance; 1000 when absent'),
    transactions: z.array(TransactionSchema).optional().describe('Their bank statement, newest first; a plain one when absent'),
    inbox: z.array(MailSchema).optional().describe('Their webmail inbox, newest first; a welcome message when absent'),
  })
  .describe('A person with the same login on the bank, mail and social sites');

export const BrandingSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe("The site's name on its pages: the bank's name, the newspaper's masthead, the search engine's name"),
    tagline: z.string().min(1).optional().describe("The line under the name (the newspaper's strapline, the bank's support line)"),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag, e.g. en, ru or kk-KZ')
      .optional()
      .describe("The pages' lang attribute (BCP 47), e.g. ru"),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals, e.g. KZT, RUB, EUR')
      .optional()
      .describe("The bank's currency (ISO 4217), e.g. RUB"),
    locale: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 locale, e.g. ru-RU')
      .optional()
      .describe('How the bank writes amounts (BCP 47), e.g. ru-RU writes "1 254 300,50 ₽"'),
  })
  .describe('What the site calls itself');

export const SiteSpecSchema = z
  .strictObject({
    kind: z.enum(SITE_KINDS).describe(`Which site program runs here: ${SITE_KINDS.join(', ')}`),
    host: z.string().describe("Its DNS name: under .example or .test, or under .invalid for the kind outside (a site beyond the state CA's reach)"),
    hsts: z.boolean().optional().describe('Send Strict-Transport-Security; the bank, social and mail kinds do unless told not to'),
    branding: BrandingSchema.optional(),
    accounts: z.array(AccountSchema).min(1).optional().describe("Who can log in here; the scenario's accounts when absent"),
  })
  .superRefine((s, ctx) => {
    const outside = s.kind === 'outside';
    if (!(outside ? OUTSIDE_RE : INSIDE_RE).test(s.host)) {
      const lower = s.host.toLowerCase();
      const message =
        lower !== s.host && (outside ? OUTSIDE_RE : INSIDE_RE).test(lower)
          ? `write hostnames in lowercase: "${lower}"`
          : outside
            ? `"${s.host}" is not a name outside the lab: a site of kind outside is named under .invalid (e.g. www.outside.invalid), which no real resolver answers and the state CA's constraints exclude`
            : `"${s.host}" is not a lab name: every name must end in .example or .test (for example bank.example), so nothing in a scenario can reach a real site`;
      ctx.addIssue({ code: 'custom', path: ['host'], message });
    }
    if (s.accounts && !KINDS_WITH_ACCOUNTS.includes(s.kind)) {
      ctx.addIssue({ code: 'custom', path: ['accounts'], message: `a ${s.kind} site has no logins; accounts go on ${KINDS_WITH_ACCOUNTS.join(', ')} sites` });
    }
    if (s.branding?.currency && s.kind !== 'bank') {
      ctx.addIssue({ code: 'custom', path: ['branding', 'currency'], message: 'only a bank has a currency' });
    }
  })
  .describe('One host of the lab');

export type Account = z.output<typeof AccountSchema>;
export type Transaction = z.output<typeof TransactionSchema>;
export type Branding = Required<Omit<z.output<typeof BrandingSchema>, 'currency' | 'locale'>> & { currency?: string; locale?: string };
type SiteSpec = z.output<typeof SiteSpecSchema>;

/** A host with every default filled in: what the runtimes start. */
export interface LabSite {
  kind: SiteKind;
  host: string;
  hsts: boolean;
  branding: Branding;
  /** Who can log in (empty for kinds without logins). */
  accounts: Account[];
}

// ---------------------------------------------------------------------------------------------
// The default world: Kazakhstan, July 2019 (the names the walkthroughs use).

export const DEFAULT_ACCOUNTS: Account[] = [
  {
    username: 'alice',
    password: 'Almaty-2019!',
    displayName: 'Alice Zhaksylykova',
    // KZ IBAN: 20 characters, bank code 998 (unassigned), valid ISO 13616 check digits.
    accountNumber: 'KZ93998KZT2019004417',
    balance: 1_254_300.5,
    transactions: [
      { date: '2019-07-16', description: 'Salary, Astana Digital LLP', amount: 420_000 },
      { date: '2019-07-15', description: 'Supermarket, Almaty, Abay Ave', amount: -18_745 },
      { date: '2019-07-14', description: 'Transfer to Bob Serikbayev', amount: -25_000 },
      { date: '2019-07-12', description: 'Home internet, monthly plan', amount: -6_990 },
      { date: '2019-07-10', description: 'Almaty Metro card top-up', amount: -2_000 },
    ],
    inbox: [
      {
        from: 'Qazaq Bank <no-reply@bank.example>',
        subject: 'Your one-time code: 482913',
        preview: 'Do not share this code with anyone. It confirms a transfer of 25 000 ₸ to Bob Serikbayev.',
        date: '2019-07-14T09:12:00+06:00',
      },
      {
        from: 'Bob Serikbayev <bob@mail.example>',
        subject: 'Saturday: observer training',
        preview: 'Dauren says we meet at 10:00 at the library on Dostyk. Bring your ID card, they register us as independent observers.',
        date: '2019-07-13T21:47:00+06:00',
      },
      {
        from: 'Astana Digital HR <hr@astana-digital.example>',
        subject: 'Payslip for July 2019',
        preview: 'Dear Alice, your payslip for July is attached. Net salary: 420 000 ₸. Password for the PDF: your date of birth.',
        date: '2019-07-12T11:05:00+06:00',
      },
    ],
  },
  {
    username: 'bob',
    password: 'Steppe#Wolf7',
    displayName: 'Bob Serikbayev',
    accountNumber: 'KZ62998KZT2019011862',
    balance: 87_420,
    transactions: [
      { date: '2019-07-14', description: 'Transfer from Alice Zhaksylykova', amount: 25_000 },
      { date: '2019-07-13', description: 'Air Astana, ALA–NQZ', amount: -31_500 },
      { date: '2019-07-11', description: 'Mobile top-up', amount: -1_500 },
      { date: '2019-07-09', description: 'Pharmacy, Nur-Sultan', amount: -4_125 },
    ],
    inbox: [
      {
        from: 'Alice Zhaksylykova <alice@mail.example>',
        subject: 'Re: the certificate page',
        preview: 'Do not install it! That certificate lets them read everything you send. Use the VPN I set up for you.',
        date: '2019-07-18T08:30:00+06:00',
      },
      {
        from: 'Qazaq Bank <no-reply@bank.example>',
        subject: 'Transfer received: 25 000 ₸',
        preview: 'Alice Zhaksylykova sent you 25 000,00 ₸ to account KZ62 998K ZT20 1901 1862.',
        date: '2019-07-14T09:13:00+06:00',
      },
      {
        from: 'Air Astana <booking@airastana.example>',
        subject: 'Your e-ticket ALA – NQZ, 20 July',
        preview: 'Booking reference K7QX2M. Passenger: SERIKBAYEV/BOB. Passport number on file ends in 4471.',
        date: '2019-07-13T16:20:00+06:00',
      },
    ],
  },
];

/** In this order, so each keeps the last octet it always had (9 … 17). */
export const DEFAULT_SITES: SiteSpec[] = [
  { kind: 'install-page', host: 'qca.example' },
  { kind: 'bank', host: 'bank.example' },
  { kind: 'social', host: 'social.example' },
  { kind: 'mail', host: 'mail.example' },
  { kind: 'search', host: 'search.example' },
  { kind: 'news', host: 'news.example' },
  // A CDN edge serving several customers' names (what makes domain fronting work).
  { kind: 'cdn', host: 'cdn.example' },
  // A VPN exit beyond the ISP (the tunnel defence).
  { kind: 'vpn', host: 'vpn.example' },
  // Stands for a real-world site outside the lab's names (.invalid, RFC 2606).
  { kind: 'outside', host: 'www.outside.invalid' },
];

/** What each kind calls itself and whether it sends HSTS, unless the scenario says otherwise. */
const KIND_DEFAULTS: Record<SiteKind, { hsts: boolean; branding: (host: string) => Branding }> = {
  bank: { hsts: true, branding: () => ({ name: 'Qazaq Bank', tagline: 'Support: 7111', language: 'en', currency: 'KZT', locale: 'kk-KZ' }) },
  social: { hsts: true, branding: () => ({ name: 'social', tagline: 'What is happening near you', language: 'en' }) },
  mail: { hsts: true, branding: () => ({ name: 'mail', tagline: 'secure webmail', language: 'en' }) },
  search: { hsts: false, branding: () => ({ name: 'find.', tagline: 'Search the web', language: 'en' }) },
  news: { hsts: false, branding: () => ({ name: 'The Steppe Times', tagline: 'Independent news from Kazakhstan', language: 'en' }) },
  cdn: { hsts: false, branding: (host) => ({ name: host, tagline: 'Edge server', language: 'en' }) },
  vpn: { hsts: false, branding: (host) => ({ name: host, tagline: 'VPN exit', language: 'en' }) },
  'install-page': { hsts: false, branding: (host) => ({ name: host, tagline: 'National security certificate', language: 'en' }) },
  outside: { hsts: false, branding: () => ({ name: 'Outside', tagline: 'A site beyond the lab', language: 'en' }) },
};

/** Every host with its defaults filled in; `accounts` are the scenario's, for kinds with logins. */
export function resolveSites(specs: SiteSpec[], accounts: Account[]): LabSite[] {
  return specs.map((s) => {
    const defaults = KIND_DEFAULTS[s.kind];
    return {
      kind: s.kind,
      host: s.host,
      hsts: s.hsts ?? defaults.hsts,
      branding: { ...defaults.branding(s.host), ...s.branding },
      accounts: KINDS_WITH_ACCOUNTS.includes(s.kind) ? (s.accounts ?? accounts) : [],
    };
  });
}

/** Problems with the list as a whole: repeated names, kinds that may appear once, too many hosts. */
export function siteListProblems(specs: SiteSpec[]): Array<{ path: (string | number)[]; message: string }> {
  const problems: Array<{ path: (string | number)[]; message: string }> = [];
  if (specs.length > MAX_SITES) problems.push({ path: [], message: `at most ${MAX_SITES} sites; this lists ${specs.length}` });
  const seenHost = new Map<string, number>();
  const seenService = new Map<string, number>();
  const seenKind = new Map<SiteKind, number>();
  specs.forEach((s, i) => {
    const sameHost = seenHost.get(s.host);
    if (sameHost !== undefined) problems.push({ path: [i, 'host'], message: `"${s.host}" is already sites[${sameHost}]` });
    else seenHost.set(s.host, i);
    // Where each host is a machine of its own, it is named after its first label (bank.example: "bank").
    const service = serviceOfHost(s.host);
    const sameService = seenService.get(service);
    if (sameService !== undefined && sameHost === undefined) {
      problems.push({
        path: [i, 'host'],
        message: `"${s.host}" and sites[${sameService}] (${specs[sameService]!.host}) would both be the lab's machine "${service}"; give them different first labels`,
      });
    } else seenService.set(service, i);
    const sameKind = seenKind.get(s.kind);
    if (SINGLE_KINDS.includes(s.kind) && sameKind !== undefined) {
      problems.push({ path: [i, 'kind'], message: `a lab has one ${s.kind} site; sites[${sameKind}] is already one` });
    } else seenKind.set(s.kind, i);
  });
  return problems;
}

/**
 * The lab's machines that are not a scenario's hosts: no client or site may take their names. A
 * scenario runs on every runtime, so names suit the one that gives each host a machine.
 */
export const LAB_MACHINES = ['isp', 'pki', 'hostnet-fix'] as const;

/** A host's machine name, where each host is a machine of its own: its first label, without "www.". */
export function serviceOfHost(host: string): string {
  return host.replace(/^www\./, '').split('.')[0]!;
}

// ---------------------------------------------------------------------------------------------
// Questions the runtimes ask of a world.

/** The last octet of each host's address, on every block the runtimes use: 9, 10, … in declared order. */
export function hostNumbers(sites: readonly LabSite[]): Map<string, number> {
  return new Map(sites.map((s, i) => [s.host, 9 + i]));
}

/** The state's "install the certificate" page, if the lab has one. */
export function installPageHost(sites: readonly LabSite[]): string | undefined {
  return sites.find((s) => s.kind === 'install-page')?.host;
}

/** The VPN exit beyond the ISP, if the lab has one. */
export function tunnelExitHost(sites: readonly LabSite[]): string | undefined {
  return sites.find((s) => s.kind === 'vpn')?.host;
}

/** Hosts that serve HTTPS, each with a web-PKI certificate: every one but the install page (plain HTTP, like qca.kz). */
export function httpsHosts(sites: readonly LabSite[]): string[] {
  return sites.filter((s) => s.kind !== 'install-page').map((s) => s.host);
}

/** The default world with its defaults filled in (tests and tools that run no scenario). */
export function defaultWorld(): LabSite[] {
  return resolveSites(DEFAULT_SITES, DEFAULT_ACCOUNTS);
}

/** The default world's host of a kind (tests). */
export function defaultSite(kind: SiteKind): LabSite {
  return defaultWorld().find((s) => s.kind === kind)!;
}
