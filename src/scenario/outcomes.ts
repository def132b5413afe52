/**
 * Join what each client saw with what the interceptor saw (on the client's TCP endpoint)
 * and name the outcome of every connection: exposed, refused or untouched.
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
  /** Every flow of the box that belongs to this attempt (a browser may open several). */
  flows: string[];
  /** The issuer of the certificate the box showed, when the client could not say. */
  issuerShown: string | null;
  /** Why, in one sentence. */
  why: string;
}

/** When a client ran a step: its connections are looked for on its line in that window. */
export interface StepWindow {
  client: string;
  from: number;
  to: number;
}

export class FlowIndex {
  /** Connections by the client's endpoint: a port is reused over a run, so one endpoint may have several. */
  private readonly byClient = new Map<string, ConnectionEvent[]>();
  private readonly connections: ConnectionEvent[] = [];
  private readonly captures = new Map<string, CaptureEvent[]>();
  private readonly forged: Array<Extract<InterceptorEvent, { type: 'forged' }>> = [];

  constructor(events: InterceptorEvent[]) {
    for (const e of events) {
      if (e.type === 'connection') {
        const key = `${e.client.address}:${e.client.port}`;
        this.byClient.set(key, [...(this.byClient.get(key) ?? []), e]);
        this.connections.push(e);
      }
      if (e.type === 'forged') this.forged.push(e);
      if (e.type === 'capture') {
        const list = this.captures.get(e.flow) ?? [];
        list.push(e);
        this.captures.set(e.flow, list);
      }
    }
  }

  /**
   * The box's records of this attempt: exactly its TCP connection when the client knows its
   * own endpoint (scripted clients, curl); otherwise every connection on the client's line to
   * that site during the step (a browser opens several, and does not say which is which).
   */
  connectionsOf(attempt: Attempt, window: StepWindow): ConnectionEvent[] {
    const protocol = attempt.scheme === 'http' ? 'http' : 'tls';
    const inWindow = (c: { time: string }) => {
      const t = Date.parse(c.time);
      return t >= window.from && t <= window.to;
    };
    if (attempt.local) {
      // The endpoint, at the time of the step, on the attempt's protocol: the same port may have carried another connection earlier.
      const exact = (this.byClient.get(`${attempt.local.address}:${attempt.local.port}`) ?? []).filter((c) => c.protocol === protocol && inWindow(c));
      if (exact.length) return [exact[exact.length - 1]!];
    }
    // A browser keeps connections open from step to step: a connection opened earlier belongs to
    // this attempt too when the box read requests on it during the step ("Run again" in the console).
    return this.connections.filter(
      (c) =>
        c.line === window.client &&
        c.destinationName === (attempt.via ?? attempt.site) &&
        c.protocol === protocol &&
        (inWindow(c) || this.capturesOf(c.flow).some((x) => inWindow(x))),
    );
  }

  /** CN of the issuer of the certificate the box forged for this connection's destination and SNI. */
  forgedIssuerFor(c: ConnectionEvent): string | null {
    const f = this.forged.find(
      (x) => x.sni?.toLowerCase() === c.sni?.toLowerCase() && x.destination.address === c.destination.address && x.destination.port === c.destination.port,
    );
    return f?.forged.issuerCommonName ?? null;
  }

  capturesOf(flow: string): CaptureEvent[] {
    return this.captures.get(flow) ?? [];
  }
}

export function outcomeOf(attempt: Attempt, flows: FlowIndex, window: StepWindow): AttemptOutcome {
  const connections = flows.connectionsOf(attempt, window);
  const connection = connections.find((c) => c.decision === 'intercept') ?? connections[0];
  const flow = connection?.flow ?? null;
  const all = connections.map((c) => c.flow);
  const read = connections.flatMap((c) => flows.capturesOf(c.flow));
  // Only the first line: curl adds a paragraph of advice after its error.
  const error = attempt.error ? `${attempt.error.code}: ${attempt.error.message.split('\n')[0]}` : null;
  const issuerShown = attempt.issuer ?? (connection?.decision === 'intercept' ? flows.forgedIssuerFor(connection) : null);
  const base = { flow, flows: all, issuerShown };
  if (connection?.decision === 'block') {
    return { outcome: 'blocked', cause: null, error, ...base, why: connection.reason };
  }
  // What the box read decides first: a later error (a chat that timed out) does not undo it.
  if (attempt.scheme === 'http' && read.length > 0) {
    return { outcome: 'exposed', cause: null, error, ...base, why: 'plain HTTP: the ISP reads every byte' };
  }
  if (connection?.decision === 'intercept' && read.length > 0) {
    return { outcome: 'exposed', cause: null, error, ...base, why: `accepted the forged certificate; the ISP read ${read.length} items` };
  }
  if (attempt.error && attempt.scheme !== 'http' && (attempt.issuer || connection?.decision === 'intercept')) {
    const cause = refusalCause(error!);
    return { outcome: 'refused', cause, error, ...base, why: `the client refused the certificate issued by ${issuerShown ?? 'the box'}` };
  }
  if (attempt.error) {
    return { outcome: 'refused', cause: 'other', error, ...base, why: 'the connection failed before any certificate was seen' };
  }
  return {
    outcome: 'untouched',
    cause: null,
    error,
    ...base,
    why: connection ? `passed through: ${connection.reason}` : 'never crossed the interceptor',
  };
}

/** Several connections to one site make one result: the worst thing that happened wins. */
export function combineOutcomes(outcomes: AttemptOutcome[]): AttemptOutcome {
  const rank: Record<Outcome, number> = { exposed: 3, blocked: 2, refused: 1, untouched: 0 };
  return outcomes.reduce((worst, o) => (rank[o.outcome] > rank[worst.outcome] ? o : worst));
}
