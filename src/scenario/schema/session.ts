/** The session every client lives through, the expectations on its report, and the matrix column. */
import { z } from 'zod';
import { CAPTURE_KINDS, KebabName, LabHostname, LabUrl, OBSERVERS, OUTCOMES, REFUSAL_CAUSES, capitalise } from './common.ts';

// ---------------------------------------------------------------------------------------------
// Parts of a scenario.

const SiteField = LabHostname;
const Username = z.string().min(1).describe('The account name typed into the form');
const Password = z.string().min(1).describe('The password typed into the form; what the interceptor hopes to capture');

const BrowseActionSchema = z.strictObject({ kind: z.literal('browse'), url: LabUrl }).describe('Open a URL and read the page');
export const LoginActionSchema = z
  .strictObject({ kind: z.literal('login'), site: SiteField, username: Username, password: Password })
  .describe('Submit a login form');
const MailActionSchema = z
  .strictObject({ kind: z.literal('mail'), site: SiteField, username: Username, password: Password })
  .describe('Sign in to webmail and read the inbox');
const ChatActionSchema = z
  .strictObject({
    kind: z.literal('chat'),
    site: SiteField,
    messages: z.array(z.string().min(1)).min(1).describe('Chat messages sent over the WebSocket, in order'),
  })
  .describe('Send chat messages over a WebSocket');
const SearchActionSchema = z
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

// ---------------------------------------------------------------------------------------------
// Types.

export type LoginAction = z.output<typeof LoginActionSchema>;
export type StepAction = z.output<typeof StepActionSchema>;
export type SessionStep = z.output<typeof SessionStepSchema>;
export type OutcomeExpectation = z.output<typeof OutcomeExpectationSchema>;
export type CaptureExpectation = z.output<typeof CaptureExpectationSchema>;
export type Expectation = OutcomeExpectation | CaptureExpectation;

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
