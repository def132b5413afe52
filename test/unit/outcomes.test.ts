import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../src/clients/http-client.ts';
import type { InterceptorEvent } from '../../src/interceptor/events.ts';
import { FlowIndex, outcomeOf } from '../../src/scenario/outcomes.ts';

const t0 = Date.parse('2026-11-22T10:00:00Z');
const at = (ms: number) => new Date(t0 + ms).toISOString();
const window = { client: 'installed-cert', from: t0, to: t0 + 10_000 };

function connection(flow: string, decision: 'intercept' | 'pass', port: number): InterceptorEvent {
  return {
    type: 'connection',
    flow,
    time: at(10),
    protocol: 'tls',
    client: { address: '127.80.2.11', port },
    destination: { address: '127.80.0.11', port: 443 },
    destinationName: 'social.example',
    line: 'installed-cert',
    sni: 'social.example',
    ja4: null,
    decision,
    reason: decision === 'intercept' ? 'targeted' : 'not targeted',
  };
}

function attempt(over: Partial<Attempt>): Attempt {
  return {
    site: 'social.example',
    url: 'wss://social.example/chat',
    scheme: 'wss',
    local: { address: '127.80.2.11', port: 40000 },
    issuer: 'Security Certificate',
    error: null,
    status: 101,
    ...over,
  };
}

describe('outcomeOf', () => {
  it('a connection the box read stays exposed when the client fails later (a chat that timed out)', () => {
    const events: InterceptorEvent[] = [
      connection('f1', 'intercept', 40000),
      {
        type: 'capture',
        flow: 'f1',
        time: at(20),
        client: { address: '127.80.2.11', port: 40000 },
        line: 'installed-cert',
        site: 'social.example',
        kind: 'ws-message',
        value: '→ {"text":"hi"}',
      },
    ];
    const o = outcomeOf(attempt({ error: { code: 'WS_ERROR', message: 'chat timed out' } }), new FlowIndex(events), window);
    expect(o.outcome).toBe('exposed');
  });

  it('a certificate the client refused, on an intercepted connection with nothing read, is refused with its cause', () => {
    const events = [connection('f2', 'intercept', 40000)];
    const o = outcomeOf(
      attempt({ error: { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', message: 'unable to get local issuer certificate' } }),
      new FlowIndex(events),
      window,
    );
    expect(o).toMatchObject({ outcome: 'refused', cause: 'untrusted-issuer' });
  });

  it("a passed-through connection is untouched, with the box's reason", () => {
    const o = outcomeOf(attempt({ issuer: 'Lab TLS Issuing CA 1' }), new FlowIndex([connection('f3', 'pass', 40000)]), window);
    expect(o).toMatchObject({ outcome: 'untouched', why: 'passed through: not targeted' });
  });

  it("joins a browser's attempt (no local port) by line, site and step window", () => {
    const events: InterceptorEvent[] = [
      connection('f4', 'intercept', 41000),
      {
        type: 'capture',
        flow: 'f4',
        time: at(20),
        client: { address: '127.0.0.1', port: 41000 },
        line: 'installed-cert',
        site: 'social.example',
        kind: 'url',
        value: 'GET https://social.example/',
      },
    ];
    const o = outcomeOf(attempt({ local: null, scheme: 'https', url: 'https://social.example/' }), new FlowIndex(events), window);
    expect(o).toMatchObject({ outcome: 'exposed', flows: ['f4'] });
    const elsewhere = outcomeOf(attempt({ local: null, scheme: 'https' }), new FlowIndex(events), { ...window, client: 'no-cert' });
    expect(elsewhere.outcome).toBe('untouched');
  });

  it("a browser's connection kept open from an earlier step belongs to the step whose requests the box read on it (Run again)", () => {
    const events: InterceptorEvent[] = [
      // Opened during the first run of the step, ten minutes before this window.
      { ...(connection('f5', 'intercept', 42000) as Extract<InterceptorEvent, { type: 'connection' }>), time: new Date(t0 - 600_000).toISOString() },
      {
        type: 'capture',
        flow: 'f5',
        time: at(30),
        client: { address: '127.0.0.1', port: 42000 },
        line: 'installed-cert',
        site: 'social.example',
        kind: 'url',
        value: 'GET https://social.example/?q=again',
      },
    ];
    const o = outcomeOf(attempt({ local: null, scheme: 'https', url: 'https://social.example/' }), new FlowIndex(events), window);
    expect(o).toMatchObject({ outcome: 'exposed', flows: ['f5'] });
    // Nothing read on it in this window: not this step's.
    const quiet = outcomeOf(attempt({ local: null, scheme: 'https' }), new FlowIndex(events.slice(0, 1)), window);
    expect(quiet.outcome).toBe('untouched');
  });

  it("an endpoint reused over a run is joined to the connection of this step, on the attempt's protocol", () => {
    const early: InterceptorEvent = {
      ...(connection('f6', 'intercept', 43000) as Extract<InterceptorEvent, { type: 'connection' }>),
      time: new Date(t0 - 60_000).toISOString(),
    };
    const now: InterceptorEvent = { ...(connection('f7', 'pass', 43000) as Extract<InterceptorEvent, { type: 'connection' }>), time: at(40) };
    const o = outcomeOf(attempt({ local: { address: '127.80.2.11', port: 43000 }, issuer: 'Lab TLS Issuing CA 1' }), new FlowIndex([early, now]), window);
    expect(o).toMatchObject({ outcome: 'untouched', flow: 'f7' });
  });
});
