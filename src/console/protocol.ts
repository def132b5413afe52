/**
 * The console's WebSocket protocol: versioned JSON messages `{ v: 1, type, ... }`.
 *
 * The server keeps the whole state (console-state.ts) and sends it as one `snapshot` when a
 * page connects, then deltas; so a second tab, or a page reconnecting after the server
 * restarted, shows exactly what the first one shows. Pages only ask (`next`, `back`, `run`);
 * the server runs the steps.
 */
import type { DiffRow } from '../pki/diff.ts';
import type { Outcome } from '../scenario/schema.ts';
import type { ReadBySubscriberView } from './state-read.ts';
import type { SubscriberView } from './subscriber-view.ts';

export const PROTOCOL_VERSION = 1;

/** Largest message a page may send (ws `maxPayload`): commands are tiny, anything bigger is refused. */
export const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024;
/** One terminal line is clipped to this many characters, so no message grows without bound. */
const MAX_LINE_CHARS = 2_000;
/** Lines each terminal keeps for replay; older lines are dropped (the snapshot stays bounded). */
export const MAX_TERMINAL_LINES = 1_000;

export type ConsoleErrorCode = 'CONSOLE_ERR_VERSION' | 'CONSOLE_ERR_BAD_MESSAGE' | 'CONSOLE_ERR_BUSY' | 'CONSOLE_ERR_STEP_FAILED';

export interface TerminalInfo {
  id: string;
  title: string;
  /** Which topology box it belongs to (a host name, or `sites`). */
  host: string;
  role: 'isp' | 'client' | 'sites' | 'attacker';
  /** The runtime gives this client an interactive shell (Lab.shellCommand, console/shell.ts). */
  shell?: boolean;
}

export interface TopologyHost {
  name: string;
  role: 'site' | 'isp' | 'client';
  address: string;
  description: string;
}

export interface WalkthroughStep {
  id: string;
  title: string;
  narrative: string | null;
  /** One sentence for what it does ("log in to bank.example as alice"). */
  explain: string;
  site: string;
}

export interface StepResultView {
  client: string;
  /** skipped: the client's program cannot take this step at all (curl has no WebSocket chat). */
  outcome: Outcome | 'skipped';
  summary: string;
  /** Why it was refused (`untrusted-issuer`), when it was. */
  cause: string | null;
  /** The sentence behind the outcome: why refused, or what the state read. */
  why: string | null;
  /** What the person saw, for browser clients: URLs of the screenshots this server serves. */
  screenshots: string[];
}

export interface WalkthroughState {
  /** -1: the introduction, before the first step; the number of steps: the closing summary. */
  position: number;
  running: boolean;
  /** The step the results below belong to, per step id: who ended how. */
  results: Record<string, StepResultView[]>;
  /** Hosts acting right now (highlighted in the topology). */
  acting: string[];
}

export interface ForgedView {
  sni: string;
  names: string[];
  issuer: string;
  realIssuer: string;
  diff: DiffRow[];
}

export interface MatrixView {
  file: string;
  variants: Array<{ name: string; title: string }>;
  tables: Array<{ site: string; rows: Array<{ client: string; cells: Array<{ text: string; outcome: Outcome | null }> }> }>;
  passed: boolean;
}

export interface Snapshot {
  scenario: { name: string; title: string; summary: string | null; period: string | null; runtime: string };
  hosts: TopologyHost[];
  steps: WalkthroughStep[];
  subscribers: SubscriberView[];
  terminals: TerminalInfo[];
  lines: Record<string, string[]>;
  walkthrough: WalkthroughState;
  forged: ForgedView[];
  /** What the state read, pinned per subscriber (state-read.ts). */
  read: ReadBySubscriberView[];
  matrix: MatrixView | null;
}

/** Server → page. */
export type ServerMessage =
  | { v: 1; type: 'snapshot'; state: Snapshot }
  | { v: 1; type: 'line'; terminal: string; text: string }
  | { v: 1; type: 'walkthrough'; walkthrough: WalkthroughState }
  | { v: 1; type: 'forged'; forged: ForgedView }
  | { v: 1; type: 'read'; read: ReadBySubscriberView[] }
  | { v: 1; type: 'error'; code: ConsoleErrorCode; message: string };

/** Page → server. */
export type ClientMessage = { v: 1; type: 'next' } | { v: 1; type: 'back' } | { v: 1; type: 'run' } | { v: 1; type: 'hello' };

export class ProtocolError extends Error {
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const CLIENT_TYPES = ['next', 'back', 'run', 'hello'] as const;

/** Validate one message from a page; throws ProtocolError with a sentence naming what is wrong. */
export function parseClientMessage(raw: string): ClientMessage {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    throw new ProtocolError('CONSOLE_ERR_BAD_MESSAGE', 'the message is not JSON');
  }
  if (typeof m !== 'object' || m === null) throw new ProtocolError('CONSOLE_ERR_BAD_MESSAGE', 'the message is not a JSON object');
  const { v, type } = m as { v?: unknown; type?: unknown };
  if (v !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'CONSOLE_ERR_VERSION',
      `protocol version ${JSON.stringify(v)} is not supported; this server speaks v${PROTOCOL_VERSION} (reload the page)`,
    );
  }
  if (!CLIENT_TYPES.includes(type as (typeof CLIENT_TYPES)[number])) {
    throw new ProtocolError('CONSOLE_ERR_BAD_MESSAGE', `unknown message type ${JSON.stringify(type)}; valid: ${CLIENT_TYPES.join(', ')}`);
  }
  return { v: PROTOCOL_VERSION, type } as ClientMessage;
}

export function clipLine(text: string): string {
  return text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS - 1) + '…' : text;
}
