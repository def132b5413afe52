/**
 * A scripted subscriber living the scenario's session: it browses, logs in, reads mail,
 * chats and searches like a person would, with its own trust store and cookie jar, and
 * stops a step at the first connection it refuses.
 */
import { decodeHTML } from 'entities';
import { CookieJar } from 'tough-cookie';
import WebSocket from 'ws';
import type { SessionStep, StepAction } from '../scenario/schema.ts';
import { request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { ClientSpec } from '../scenario/schema.ts';
import { dialTls, directTransport, fetchOnce, resolveOrThrow, TlsRefusal, type Attempt, type HttpResult, type Transport } from './http-client.ts';
import { judgeChain, type ChainToJudge } from './judge-chain.ts';
import type { ClientNetwork } from './network.ts';
import type { TrustFacts } from './trust-facts.ts';
import type { Fetcher } from './curl-fetcher.ts';
import { NotSupported } from './not-supported.ts';
import type { LabClient } from './lab-client.ts';
import type { StepRun } from './step-run.ts';
import { wsText } from '../ws-text.ts';

interface ScriptedClientOptions {
  spec: ClientSpec;
  /** PEM roots this client trusts. */
  trust: string[];
  network: ClientNetwork;
  facts: TrustFacts;
  /** A real client program (curl, openssl) that makes each request instead of Node's TLS. */
  fetcher?: Fetcher;
}

const MAX_REDIRECTS = 5;

export class ScriptedClient implements LabClient {
  private readonly jar = new CookieJar();
  /** Names this client has seen send Strict-Transport-Security (RFC 6797). */
  private readonly hsts = new Set<string>();
  private readonly transport: Transport;

  constructor(private readonly opts: ScriptedClientOptions) {
    this.transport = this.buildTransport();
  }

  private verify = (input: ChainToJudge) => judgeChain(input, this.opts.spec, this.opts.facts, this.hsts);

  /** Direct, through a front (domain fronting) or through a pinned tunnel, as the profile says. */
  private buildTransport(): Transport {
    const { network, trust } = this.opts;
    const defences = this.opts.spec.defences ?? {};
    const direct = directTransport(network, trust, this.verify);
    if (defences.tunnel) {
      const exit = defences.tunnel;
      // The tunnel is pinned to the exit's own key: a tunnel the ISP could re-sign is no tunnel.
      const pinned = (input: ChainToJudge) => judgeChain(input, { defences: { pins: { [exit]: 'site-key' } } }, this.opts.facts);
      return async (url, attempt) => {
        attempt.via = exit;
        const outerAttempt: Attempt = { ...attempt, issuer: null, local: null };
        let outer;
        try {
          outer = await dialTls({
            name: exit,
            to: resolveOrThrow(network, exit, 'https'),
            trust,
            localAddress: network.localAddress,
            attempt: outerAttempt,
            verify: pinned,
          });
        } finally {
          attempt.local = outerAttempt.local;
          attempt.issuer = outerAttempt.issuer;
        }
        const https = url.protocol === 'https:';
        const inner = await connectThrough(outer, url.hostname, https ? 443 : 80);
        if (!https) return inner;
        const local = attempt.local;
        const socket = await dialTls({ name: url.hostname, to: { socket: inner }, trust, attempt, verify: this.verify });
        attempt.local = local;
        return socket;
      };
    }
    if (defences.frontDomain) {
      const front = defences.frontDomain;
      return async (url, attempt) => {
        if (url.protocol !== 'https:') return direct(url, attempt);
        // TLS (and its SNI) names the front; the Host header inside names the real site.
        attempt.via = front;
        return dialTls({ name: front, to: resolveOrThrow(network, front, 'https'), trust, localAddress: network.localAddress, attempt, verify: this.verify });
      };
    }
    return direct;
  }

  async close(): Promise<void> {
    // Every request of a scripted client closes its own connection: nothing is left open.
  }

  async runStep(step: SessionStep): Promise<StepRun> {
    const attempts: Attempt[] = [];
    try {
      const summary = await this.act(step.action, attempts);
      return { step: step.id, attempts, summary };
    } catch (err) {
      if (err instanceof NotSupported) return { step: step.id, attempts: [], summary: `skipped: ${err.message}`, skipped: true };
      throw err;
    }
  }

  private async act(action: StepAction, attempts: Attempt[]): Promise<string> {
    switch (action.kind) {
      case 'browse': {
        const r = await this.browse(new URL(action.url), attempts);
        return r.response ? `${r.response.status} ${r.attempt.url}${title(r.response.body)}` : failure(r);
      }
      case 'search': {
        const r = await this.browse(new URL(`https://${action.site}/search?q=${encodeURIComponent(action.query)}`), attempts);
        return r.response ? `searched "${action.query}": ${r.response.status}${title(r.response.body)}` : failure(r);
      }
      case 'login':
        return this.login(action.site, action.username, action.password, attempts);
      case 'mail':
        return this.mail(action.site, action.username, action.password, attempts);
      case 'chat':
        return this.chat(action.site, action.messages, attempts);
    }
  }

  private async login(site: string, username: string, password: string, attempts: Attempt[]): Promise<string> {
    const form = await this.browse(new URL(`https://${site}/login`), attempts);
    if (!form.response) return failure(form);
    const posted = await this.browse(new URL(`https://${site}/login`), attempts, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });
    if (!posted.response) return failure(posted);
    if (!posted.attempt.url.endsWith('/account')) return `login refused by ${site}: ${posted.response.status}`;
    return `logged in as ${username}: ${posted.response.status}${title(posted.response.body)}`;
  }

  private async mail(site: string, username: string, password: string, attempts: Attempt[]): Promise<string> {
    const login = await this.request(new URL(`https://${site}/api/login`), attempts, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!login.response) return failure(login);
    const token = field(safeJson(login.response.body), 'token');
    if (typeof token !== 'string') return `sign-in refused by ${site}: ${login.response.status}`;
    const inbox = await this.request(new URL(`https://${site}/api/inbox`), attempts, { headers: { authorization: `Bearer ${token}` } });
    if (!inbox.response) return failure(inbox);
    // The inbox is a list of messages, or an object holding one as `messages`.
    const reply = safeJson(inbox.response.body);
    const messages = Array.isArray(reply) ? reply : field(reply, 'messages');
    const count = Array.isArray(messages) ? messages.length : 0;
    return `read the inbox: ${count} messages`;
  }

  private async chat(site: string, messages: string[], attempts: Attempt[]): Promise<string> {
    if (this.opts.fetcher) {
      // Only curl and openssl come with a fetcher, so the program is one of their names.
      const program = typeof this.opts.spec.program === 'string' ? this.opts.spec.program : 'your own program';
      throw new NotSupported(`${program} does not speak WebSocket`);
    }
    const home = await this.browse(new URL(`https://${site}/`), attempts);
    if (!home.response) return failure(home);
    const url = `wss://${site}/chat`;
    const attempt: Attempt = { site, url, scheme: 'wss', local: null, issuer: null, error: null, status: null };
    attempts.push(attempt);
    let socket: Duplex;
    try {
      socket = await this.transport(new URL(`https://${site}/chat`), attempt);
    } catch (err) {
      const e = err as TlsRefusal;
      attempt.error = { code: e.code, message: e.message };
      return failureText(url, attempt.error);
    }
    const cookie = await this.jar.getCookieString(`https://${site}/chat`);
    const received: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url, { createConnection: () => socket as Socket, headers: cookie ? { cookie } : {} });
        let expected = messages.length + 1; // the greeting, then each of our messages broadcast back
        const timer = setTimeout(() => {
          ws.terminate();
          reject(new Error('chat timed out'));
        }, 10_000);
        ws.on('upgrade', (res) => (attempt.status = res.statusCode ?? null));
        ws.on('open', () => messages.forEach((text) => ws.send(JSON.stringify({ text }))));
        ws.on('message', (data) => {
          received.push(wsText(data));
          if (--expected === 0) {
            clearTimeout(timer);
            ws.close();
            resolve();
          }
        });
        ws.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
    } catch (err) {
      attempt.error = { code: 'WS_ERROR', message: (err as Error).message };
      return `chat failed: ${(err as Error).message}`;
    }
    return `chatted: sent ${messages.length}, received ${received.length} messages`;
  }

  /** GET/POST with redirects and cookies, like a browser tab. */
  private async browse(url: URL, attempts: Attempt[], init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    let result = await this.request(url, attempts, init);
    for (let hop = 0; hop < MAX_REDIRECTS && result.response && [301, 302, 303, 307, 308].includes(result.response.status); hop++) {
      const next = new URL(String(result.response.headers.location), result.attempt.url);
      result = await this.request(next, attempts);
    }
    return result;
  }

  private async request(url: URL, attempts: Attempt[], init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    const cookie = await this.jar.getCookieString(url.href);
    const request = { ...init, headers: { ...(cookie ? { cookie } : {}), ...init.headers } };
    const result = this.opts.fetcher ? await this.opts.fetcher(url, request) : await fetchOnce(this.transport, url, request);
    attempts.push(result.attempt);
    if (url.protocol === 'https:' && result.response?.headers['strict-transport-security']) this.hsts.add(url.hostname);
    const setCookie = result.response?.headers['set-cookie'] ?? [];
    for (const c of setCookie) await this.jar.setCookie(c, url.href).catch(() => undefined);
    return result;
  }
}

function failure(r: HttpResult): string {
  return r.attempt.error ? failureText(r.attempt.url, r.attempt.error) : `refused ${r.attempt.url}: no response`;
}

/** Failures of the connection itself, before any certificate: said as a person would (a reset is how a box blocks). */
const CONNECTION_FAILURES: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  ECONNREFUSED: 'the connection was refused',
  ETIMEDOUT: 'the connection timed out',
  EPIPE: 'the connection was closed',
};

function failureText(url: string, error: { code: string; message: string }): string {
  const what = CONNECTION_FAILURES[error.code];
  return what ? `could not open ${url}: ${what} (${error.message})` : `refused ${url}: ${error.message}`;
}

/** The page's title as a browser's tab shows it: character references decoded (People&#39;s → People's). */
function title(html: string): string {
  const m = /<title>([^<]*)<\/title>/i.exec(html);
  return m ? ` "${decodeHTML(m[1]!.trim())}"` : '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** `value[key]` when value is an object (an array included), else undefined: what `value?.[key]` gave on parsed JSON. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** HTTP CONNECT through an open connection (node's http client does the protocol). */
function connectThrough(socket: Duplex, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ createConnection: () => socket, method: 'CONNECT', path: `${host}:${port}`, headers: { host: `${host}:${port}` } });
    req.once('connect', (res, tunnel, head) => {
      if (res.statusCode !== 200) {
        tunnel.destroy();
        return reject(new TlsRefusal('TUNNEL_REFUSED', `the tunnel exit refused ${host}:${port}: ${res.statusCode} ${res.statusMessage}`));
      }
      if (head.length) tunnel.unshift(head);
      resolve(tunnel);
    });
    req.once('error', (err: Error & { code?: string }) => reject(new TlsRefusal(err.code ?? 'TUNNEL_ERROR', err.message)));
    req.end();
  });
}
