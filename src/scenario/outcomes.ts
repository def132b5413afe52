/**
 * Join what each client saw with what the interceptor saw (on the client's TCP endpoint)
 * and name the outcome of every connection: exposed, refused or untouched (design.md).
 */
import type { Attempt } from '../clients/http-client.ts';
import { refusalCause } from '../clients/refusal.ts';
import type { CaptureEvent, ConnectionEvent, InterceptorEvent } from '../interceptor/events.ts';
import type { Outcome, RefusalCause } from './schema.ts';

export interface AttemptOutcome {
  outcome: Outcome;
  cause: RefusalCause | null;
  error: string | null;
  /** The interceptor's flow id for this connection, when it saw one. */
  flow: string | null;
  /** Why, in one sentence. */
  why: string;
}

export class FlowIndex {
  private readonly byClient = new Map<string, ConnectionEvent>();
  private readonly captures = new Map<string, CaptureEvent[]>();

  constructor(events: InterceptorEvent[]) {
    for (const e of events) {
      if (e.type === 'connection') this.byClient.set(`${e.client.address}:${e.client.port}`, e);
      if (e.type === 'capture') {
        const list = this.captures.get(e.flow) ?? [];
        list.push(e);
        this.captures.set(e.flow, list);
      }
    }
  }

  connectionOf(attempt: Attempt): ConnectionEvent | undefined {
    return attempt.local ? this.byClient.get(`${attempt.local.address}:${attempt.local.port}`) : undefined;
  }

  capturesOf(flow: string): CaptureEvent[] {
    return this.captures.get(flow) ?? [];
  }
}

export function outcomeOf(attempt: Attempt, flows: FlowIndex): AttemptOutcome {
  const connection = flows.connectionOf(attempt);
  const flow = connection?.flow ?? null;
  const read = flow ? flows.capturesOf(flow) : [];
  const error = attempt.error ? `${attempt.error.code}: ${attempt.error.message}` : null;
  if (attempt.error && attempt.scheme !== 'http' && attempt.issuer) {
    const cause = refusalCause(error!);
    return { outcome: 'refused', cause, error, flow, why: `the client refused the certificate issued by ${attempt.issuer}` };
  }
  if (attempt.scheme === 'http' && read.length > 0) {
    return { outcome: 'exposed', cause: null, error, flow, why: 'plain HTTP: the ISP reads every byte' };
  }
  if (connection?.decision === 'intercept' && read.length > 0) {
    return { outcome: 'exposed', cause: null, error, flow, why: `accepted the forged certificate; the ISP read ${read.length} items` };
  }
  if (attempt.error) {
    return { outcome: 'refused', cause: 'other', error, flow, why: 'the connection failed before any certificate was seen' };
  }
  return {
    outcome: 'untouched',
    cause: null,
    error,
    flow,
    why: connection ? `passed through: ${connection.reason}` : 'never crossed the interceptor',
  };
}

/** Several connections to one site make one result: the worst thing that happened wins. */
export function combineOutcomes(outcomes: AttemptOutcome[]): AttemptOutcome {
  const rank: Record<Outcome, number> = { exposed: 2, refused: 1, untouched: 0 };
  return outcomes.reduce((worst, o) => (rank[o.outcome] > rank[worst.outcome] ? o : worst));
}
