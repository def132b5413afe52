/**
 * A scripted subscriber living the scenario's session: it browses, logs in, reads mail,
 * chats and searches like a person would, with its own trust store and cookie jar, and
 * stops a step at the first connection it refuses.
 */
import { CookieJar } from 'tough-cookie';
import WebSocket from 'ws';
import type { SessionStep, StepAction } from '../scenario/schema.ts';
import { dialTls, fetchOnce, TlsRefusal, type Attempt, type HttpResult } from './http-client.ts';
import type { ClientNetwork } from './network.ts';

export interface StepRun {
  step: string;
  attempts: Attempt[];
  /** What the person saw, in one line. */
  summary: string;
}

export interface ScriptedClientOptions {
  name: string;
  /** PEM roots this client trusts. */
  trust: string[];
  network: ClientNetwork;
}

const MAX_REDIRECTS = 5;

export class ScriptedClient {
  private readonly jar = new CookieJar();

  constructor(private readonly opts: ScriptedClientOptions) {}

  async run(steps: SessionStep[]): Promise<StepRun[]> {
    const runs: StepRun[] = [];
    for (const step of steps) runs.push(await this.runStep(step));
    return runs;
  }

  async runStep(step: SessionStep): Promise<StepRun> {
    const attempts: Attempt[] = [];
    const summary = await this.act(step.action, attempts);
    return { step: step.id, attempts, summary };
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
    const token = safeJson(login.response.body)?.token;
    if (typeof token !== 'string') return `sign-in refused by ${site}: ${login.response.status}`;
    const inbox = await this.request(new URL(`https://${site}/api/inbox`), attempts, { headers: { authorization: `Bearer ${token}` } });
    if (!inbox.response) return failure(inbox);
    const messages = safeJson(inbox.response.body);
    const count = Array.isArray(messages) ? messages.length : Array.isArray(messages?.messages) ? messages.messages.length : 0;
    return `read the inbox: ${count} messages`;
  }

  private async chat(site: string, messages: string[], attempts: Attempt[]): Promise<string> {
    const home = await this.browse(new URL(`https://${site}/`), attempts);
    if (!home.response) return failure(home);
    const url = `wss://${site}/chat`;
    const attempt: Attempt = { site, url, scheme: 'wss', local: null, issuer: null, error: null, status: null };
    attempts.push(attempt);
    let socket;
    try {
      socket = await dialTls(this.opts.network, site, this.opts.trust, attempt);
    } catch (err) {
      const e = err as TlsRefusal;
      attempt.error = { code: e.code, message: e.message };
      return `refused ${url}: ${e.message}`;
    }
    const cookie = await this.jar.getCookieString(`https://${site}/chat`);
    const received: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url, { createConnection: () => socket, headers: cookie ? { cookie } : {} });
        let expected = messages.length + 1; // the greeting, then each of our messages broadcast back
        const timer = setTimeout(() => {
          ws.terminate();
          reject(new Error('chat timed out'));
        }, 10_000);
        ws.on('upgrade', (res) => (attempt.status = res.statusCode ?? null));
        ws.on('open', () => messages.forEach((text) => ws.send(JSON.stringify({ text }))));
        ws.on('message', (data) => {
          received.push(data.toString());
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
    const result = await fetchOnce(this.opts.network, this.opts.trust, url, {
      ...init,
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
    });
    attempts.push(result.attempt);
    const setCookie = result.response?.headers['set-cookie'] ?? [];
    for (const c of setCookie) await this.jar.setCookie(c, url.href).catch(() => undefined);
    return result;
  }
}

function failure(r: HttpResult): string {
  return `refused ${r.attempt.url}: ${r.attempt.error?.message ?? 'no response'}`;
}

function title(html: string): string {
  const m = /<title>([^<]*)<\/title>/i.exec(html);
  return m ? ` "${m[1].trim()}"` : '';
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
