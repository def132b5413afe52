import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { bankSite, siteDefinitions, socialSite } from '../../lab/sites/index.ts';
import { DEFAULT_ACCOUNTS as LAB_ACCOUNTS, defaultSite, defaultWorld } from '../../src/scenario/sites.ts';
import { SiteError, startSite } from '../../src/sites/serve.ts';
import type { AccessLogEntry, RunningSite, SiteDefinition, SiteTls } from '../../src/sites/site.ts';
import { wsText } from '../../src/ws-text.ts';
import { selfSigned, type SelfSigned } from '../support/self-signed.ts';

/**
 * The simulated sites over real sockets, driven the way a lab client reaches them:
 * connect to the site's loopback address, SNI and Host = the site's name, trust its
 * (here self-signed, made with the openssl CLI) certificate.
 */

type Cert = SelfSigned;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** 'http' talks to the site's plain-HTTP port. */
  scheme?: 'https' | 'http';
}

let workDir: string;
const certs = new Map<string, Cert>();
const sites = new Map<string, RunningSite>();
const accessLog: AccessLogEntry[] = [];
let stateRoot: Cert;

function site(name: string): RunningSite {
  const running = sites.get(name);
  if (!running) throw new Error(`${name} is not running`);
  return running;
}

function caFor(name: string): string {
  const cert = certs.get(name);
  if (!cert) throw new Error(`no certificate for ${name}`);
  return cert.certPem;
}

function request(name: string, pathAndQuery: string, init: RequestInit = {}): Promise<Reply> {
  const target = site(name);
  const scheme = init.scheme ?? (target.httpsPort === undefined ? 'http' : 'https');
  const headers: Record<string, string> = { Host: name, ...init.headers };
  if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));
  const common = { host: target.address, path: pathAndQuery, method: init.method ?? 'GET', headers, agent: false as const };
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    };
    const req =
      scheme === 'https'
        ? https.request({ ...common, port: target.httpsPort, servername: name, ca: caFor(name) }, onResponse)
        : http.request({ ...common, port: target.httpPort }, onResponse);
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Visible text of a page, whitespace (including the no-break spaces in amounts) collapsed. */
function visibleText(page: string): string {
  return page
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

function cookieFrom(reply: Reply, name: string): string | undefined {
  const line = (reply.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

/** A WebSocket client that queues what it receives, so a test can await messages in order. */
class ChatClient {
  private readonly received: unknown[] = [];
  private waiting: Array<(message: unknown) => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message: unknown = JSON.parse(wsText(data));
      const waiter = this.waiting.shift();
      if (waiter) waiter(message);
      else this.received.push(message);
    });
  }

  static connect(name: string, pathname: string, cookie?: string): Promise<ChatClient> {
    const target = site(name);
    const headers: Record<string, string> = { Host: name, ...(cookie ? { Cookie: cookie } : {}) };
    const ws = new WebSocket(`wss://${target.address}:${target.httpsPort}${pathname}`, wssOptions(name, caFor(name), headers));
    const client = new ChatClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
  }

  next(): Promise<unknown> {
    const queued = this.received.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** ws hands `servername` on to tls.connect, but @types/ws does not declare it. */
function wssOptions(servername: string, ca: string, headers: Record<string, string> = {}): WebSocket.ClientOptions {
  const options: WebSocket.ClientOptions & { servername: string } = { servername, ca, headers };
  return options;
}

function socketCounts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tlslab-sites-'));
  stateRoot = await selfSigned(workDir, 'Qaznet Trust Network', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']);
  const world = defaultWorld().filter((s) => s.kind !== 'cdn' && s.kind !== 'outside');
  const definitions = siteDefinitions(world, {
    install: { rootPem: stateRoot.certPem, rootDer: new X509Certificate(stateRoot.certPem).raw, fileStem: 'qazca', authorityName: 'Qaznet Trust Network' },
    cdn: { origins: () => null, originRoots: [] },
  });
  await Promise.all(
    definitions.map(async (def, i) => {
      let tls: SiteTls | undefined;
      if (def.https) {
        const cert = await selfSigned(workDir, def.name, [`subjectAltName=DNS:${def.name}`]);
        certs.set(def.name, cert);
        tls = { certChainPem: cert.certPem, keyPem: cert.keyPem };
      }
      const running = await startSite(def, { address: `127.80.9.${i + 1}`, tls });
      running.onAccess((entry) => accessLog.push(entry));
      sites.set(def.name, running);
    }),
  );
});

afterAll(async () => {
  await Promise.all([...sites.values()].map((s) => s.close()));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('bank.example', () => {
  const alice = LAB_ACCOUNTS.find((a) => a.username === 'alice')!;
  const form = (username: string, password: string) => new URLSearchParams({ username, password }).toString();
  const post = (body: string) => request('bank.example', '/login', { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });

  it('sends visitors from / to the login form', async () => {
    const home = await request('bank.example', '/');
    expect(home.status).toBe(302);
    expect(home.headers.location).toBe('/login');

    const login = await request('bank.example', '/login');
    expect(login.status).toBe(200);
    expect(login.headers['content-type']).toMatch(/^text\/html/);
    expect(login.text).toMatch(/<form method="post" action="\/login">/);
    expect(login.text).toContain('name="username"');
    expect(login.text).toContain('name="password"');
    expect(visibleText(login.text)).toContain('Qazaq Bank');
  });

  it('logs alice in with a secure session cookie and shows her balance', async () => {
    const login = await post(form(alice.username, alice.password));
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe('/account');
    const setCookie = login.headers['set-cookie'] ?? [];
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(/^session=[0-9a-f]{32}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);

    const account = await request('bank.example', '/account', { headers: { Cookie: cookieFrom(login, 'session')! } });
    expect(account.status).toBe(200);
    const text = visibleText(account.text);
    expect(text).toContain('Alice Zhaksylykova');
    expect(text).toContain('KZ93 998K ZT20 1900 4417');
    expect(text).toContain('1 254 300,50 ₸');
    expect(text).toContain('Recent transactions');
    expect(text).toContain('Transfer to Bob Serikbayev');
  });

  it('refuses a wrong password with 401 and the form again', async () => {
    const reply = await post(form('alice', 'almaty-2019'));
    expect(reply.status).toBe(401);
    expect(reply.headers['set-cookie']).toBeUndefined();
    expect(visibleText(reply.text)).toContain('Incorrect username or password.');
    expect(reply.text).toContain('value="alice"');
  });

  it('sends visitors without a valid session back to the login form', async () => {
    for (const headers of [{}, { Cookie: 'session=00000000000000000000000000000000' }] as Array<Record<string, string>>) {
      const reply = await request('bank.example', '/account', { headers });
      expect(reply.status).toBe(302);
      expect(reply.headers.location).toBe('/login');
    }
  });

  it('sends the security headers of a real bank, HSTS included', async () => {
    const reply = await request('bank.example', '/login');
    expect(reply.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(reply.headers.server).toBeTruthy();
  });

  it('redirects plain HTTP permanently to HTTPS, without HSTS (RFC 6797 7.2)', async () => {
    const reply = await request('bank.example', '/login?next=%2Faccount', { scheme: 'http' });
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe('https://bank.example/login?next=%2Faccount');
    expect(reply.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('search.example', () => {
  it('has no HSTS but the other security headers', async () => {
    const reply = await request('search.example', '/');
    expect(reply.status).toBe(200);
    expect(reply.headers['strict-transport-security']).toBeUndefined();
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.text).toMatch(/<form class="box" action="\/search" method="get"/);
  });

  it('echoes the query escaped, with results', async () => {
    const query = 'how to install <script>alert(1)</script> certificate';
    const reply = await request('search.example', `/search?q=${encodeURIComponent(query)}`);
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain('<script>alert(1)</script>');
    expect(reply.text).toContain('how to install &lt;script&gt;alert(1)&lt;/script&gt; certificate');
    expect(reply.text.match(/class="result"/g)).toHaveLength(3);
  });
});

describe('news.example', () => {
  it('serves headlines and articles, 404 for unknown ones', async () => {
    const home = await request('news.example', '/');
    expect(home.status).toBe(200);
    expect(home.headers['strict-transport-security']).toBeUndefined();
    expect(home.text).toContain('href="/article/1"');
    const article = await request('news.example', '/article/1');
    expect(article.status).toBe(200);
    expect(visibleText(article.text)).toContain('Almaty metro extension');
    expect((await request('news.example', '/article/99')).status).toBe(404);
  });
});

describe('social.example', () => {
  async function signIn(username: string): Promise<string> {
    const account = LAB_ACCOUNTS.find((a) => a.username === username)!;
    const reply = await request('social.example', '/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password: account.password }).toString(),
    });
    expect(reply.status).toBe(302);
    return cookieFrom(reply, 'sid')!;
  }

  it('shows a feed and hands out a sid cookie once', async () => {
    const first = await request('social.example', '/');
    expect(first.status).toBe(200);
    expect(first.text.match(/class="card post"/g)?.length).toBeGreaterThanOrEqual(3);
    expect(first.headers['set-cookie']?.[0]).toMatch(/^sid=[0-9a-f]{32}; Path=\/; HttpOnly; Secure/);

    const again = await request('social.example', '/', { headers: { Cookie: cookieFrom(first, 'sid')! } });
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('serves a chat page that connects back to its own origin over wss', async () => {
    const reply = await request('social.example', '/chat');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain("new WebSocket('wss://' + location.host + '/chat')");
  });

  it('greets and broadcasts chat messages between clients, naming the sender', async () => {
    const bobSid = await signIn('bob');
    const bob = await ChatClient.connect('social.example', '/chat', bobSid);
    const guest = await ChatClient.connect('social.example', '/chat');
    try {
      for (const client of [bob, guest]) {
        expect(await client.next()).toMatchObject({ from: 'social.example', text: 'Welcome to the chat' });
      }

      guest.ws.send(JSON.stringify({ text: 'Has anyone installed the certificate?' }));
      for (const client of [bob, guest]) {
        const message = (await client.next()) as { from: string; text: string; at: string };
        expect(message).toMatchObject({ from: 'guest', text: 'Has anyone installed the certificate?' });
        expect(new Date(message.at).toISOString()).toBe(message.at);
      }

      bob.ws.send('No, and do not.');
      expect(await guest.next()).toMatchObject({ from: 'bob', text: 'No, and do not.' });
      expect(await bob.next()).toMatchObject({ from: 'bob', text: 'No, and do not.' });
    } finally {
      await Promise.all([bob.close(), guest.close()]);
    }
  });

  it('refuses WebSocket upgrades to other paths', async () => {
    await expect(ChatClient.connect('social.example', '/admin')).rejects.toThrow('upgrade refused with 404');
  });
});

describe('mail.example', () => {
  const login = (username: string, password: string) =>
    request('mail.example', '/api/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });

  it('serves the webmail shell', async () => {
    const reply = await request('mail.example', '/');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain("fetch('/api/login'");
  });

  it('gives a token for good credentials and the inbox for that token', async () => {
    const alice = LAB_ACCOUNTS.find((a) => a.username === 'alice')!;
    const reply = await login(alice.username, alice.password);
    expect(reply.status).toBe(200);
    const { token } = JSON.parse(reply.text) as { token: string };
    expect(token).toMatch(/^[0-9a-f]{32}$/);

    const inbox = await request('mail.example', '/api/inbox', { headers: { Authorization: `Bearer ${token}` } });
    expect(inbox.status).toBe(200);
    const messages = JSON.parse(inbox.text) as Array<Record<string, unknown>>;
    expect(messages).toHaveLength(3);
    for (const m of messages) {
      expect(m).toEqual(expect.objectContaining({ from: expect.any(String), subject: expect.any(String), preview: expect.any(String) }));
    }
    expect(messages.map((m) => m.subject)).toContain('Your one-time code: 482913');
  });

  it('answers 401 with a JSON error to bad credentials and missing tokens', async () => {
    const bad = await login('bob', 'wrong');
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.text)).toHaveProperty('error');

    for (const headers of [{}, { Authorization: 'Bearer 0123' }] as Array<Record<string, string>>) {
      const inbox = await request('mail.example', '/api/inbox', { headers });
      expect(inbox.status).toBe(401);
      expect(inbox.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });
});

describe('qca.example (install page)', () => {
  it('serves plain HTTP only', () => {
    expect(site('qca.example').httpsPort).toBeUndefined();
  });

  it('tells the user which site needs the certificate and offers downloads', async () => {
    const reply = await request('qca.example', `/?from=${encodeURIComponent('https://social.example/<b>')}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['strict-transport-security']).toBeUndefined();
    const text = visibleText(reply.text);
    expect(text).toContain('You tried to reach https://social.example/&lt;b&gt;');
    expect(text).toContain('national security certificate');
    expect(text).toContain('сертификат безопасности');
    for (const file of ['qazca.cer', 'qazca.pem', 'qazca.der']) expect(reply.text).toContain(`href="/${file}"`);
  });

  it('hands out the state root as DER and PEM attachments', async () => {
    const cer = await request('qca.example', '/qazca.cer');
    expect(cer.status).toBe(200);
    expect(cer.headers['content-type']).toBe('application/pkix-cert');
    expect(cer.headers['content-disposition']).toBe('attachment; filename="qazca.cer"');
    const root = new X509Certificate(cer.body);
    expect(root.subject).toContain('CN=Qaznet Trust Network');
    expect(root.ca).toBe(true);

    const der = await request('qca.example', '/qazca.der');
    expect(der.headers['content-disposition']).toBe('attachment; filename="qazca.der"');
    expect(der.body.equals(cer.body)).toBe(true);

    const pem = await request('qca.example', '/qazca.pem');
    expect(pem.headers['content-type']).toBe('application/x-pem-file');
    expect(pem.text).toBe(stateRoot.certPem);
  });

  it('answers 404 elsewhere', async () => {
    expect((await request('qca.example', '/qazca.crt')).status).toBe(404);
  });
});

describe('access log', () => {
  it('has a line for every request, redirect and upgrade', async () => {
    await request('bank.example', '/login?from=log-test');
    await request('bank.example', '/log-test', { scheme: 'http' });
    const chat = await ChatClient.connect('social.example', '/chat');
    await chat.next();
    await chat.close();
    await expect(ChatClient.connect('social.example', '/log-test')).rejects.toThrow();

    await vi.waitFor(() => {
      expect(accessLog).toContainEqual(
        expect.objectContaining({
          site: 'bank.example',
          scheme: 'https',
          method: 'GET',
          path: '/login?from=log-test',
          status: 200,
          remote: expect.stringMatching(/^127\./),
        }),
      );
      expect(accessLog).toContainEqual(expect.objectContaining({ site: 'bank.example', scheme: 'http', method: 'GET', path: '/log-test', status: 301 }));
      expect(accessLog).toContainEqual(expect.objectContaining({ site: 'social.example', scheme: 'wss', path: '/chat', status: 101 }));
      expect(accessLog).toContainEqual(expect.objectContaining({ site: 'social.example', scheme: 'wss', path: '/log-test', status: 404 }));
    });
    expect(accessLog).toContainEqual(expect.objectContaining({ site: 'bank.example', method: 'POST', path: '/login', status: 302 }));
    for (const entry of accessLog) expect(new Date(entry.time).toISOString()).toBe(entry.time);
  });
});

describe('startSite', () => {
  it('refuses to listen outside 127.0.0.0/8', async () => {
    await expect(startSite(bankSite(defaultSite('bank')), { address: '0.0.0.0', tls: { certChainPem: '', keyPem: '' } })).rejects.toMatchObject({
      code: 'SITE_ERR_NOT_LOOPBACK',
    });
  });

  it('refuses an HTTPS site without a certificate', async () => {
    const error = await startSite(bankSite(defaultSite('bank')), { address: '127.0.0.1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiteError);
    expect(error).toMatchObject({ code: 'SITE_ERR_TLS_MISSING' });
  });

  it('turns a crashing handler, sync or async, into a 500 without taking the site down', async () => {
    const cert = certs.get('news.example')!;
    const failLater = async (): Promise<void> => {
      await Promise.resolve();
      throw new Error('boom');
    };
    const crashing: SiteDefinition = {
      name: 'news.example',
      title: 'a site whose handler throws',
      hsts: false,
      https: true,
      handle(req) {
        if (req.url === '/sync') throw new Error('boom');
        return failLater();
      },
    };
    await using running = await startSite(crashing, { address: '127.80.9.50', tls: { certChainPem: cert.certPem, keyPem: cert.keyPem } });
    const statusOf = (pathname: string) =>
      new Promise<number>((resolve, reject) => {
        const options = { host: running.address, port: running.httpsPort, path: pathname, servername: 'news.example', ca: cert.certPem, agent: false as const };
        https
          .get(options, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
    expect(await statusOf('/sync')).toBe(500);
    expect(await statusOf('/async')).toBe(500);
    expect(await statusOf('/sync')).toBe(500);
  });

  it('close() ends keep-alive, WebSocket and half-open connections and frees the ports', async () => {
    const baseline = socketCounts();
    const cert = await selfSigned(workDir, 'closing.social.example', ['subjectAltName=DNS:social.example']);
    const running = await startSite(socialSite(defaultSite('social')), { address: '127.80.9.60', tls: { certChainPem: cert.certPem, keyPem: cert.keyPem } });
    const closed: Array<Promise<void>> = [];
    const closedEvent = (emitter: { once(event: 'close', cb: () => void): unknown }) =>
      closed.push(new Promise<void>((resolve) => void emitter.once('close', () => resolve())));

    // A keep-alive HTTPS connection that stays open after its response.
    const agent = new https.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      const req = https.get(
        { host: running.address, port: running.httpsPort, servername: 'social.example', ca: cert.certPem, headers: { Host: 'social.example' }, agent },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('socket', (socket) => closedEvent(socket));
      req.on('error', reject);
    });
    // A WebSocket.
    const ws = new WebSocket(`wss://${running.address}:${running.httpsPort}/chat`, wssOptions('social.example', cert.certPem));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    closedEvent(ws);
    // A TCP connection to each port that never starts TLS or sends a request.
    for (const port of [running.httpsPort!, running.httpPort]) {
      const idle = net.connect({ host: running.address, port });
      await new Promise((resolve) => idle.once('connect', resolve));
      closedEvent(idle);
    }

    await running[Symbol.asyncDispose]();
    await Promise.all(closed);
    agent.destroy();

    for (const port of [running.httpsPort!, running.httpPort]) {
      const refused = await new Promise<string>((resolve) =>
        net
          .connect({ host: running.address, port })
          .once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? ''))
          .once('connect', () => resolve('connected')),
      );
      expect(refused).toBe('ECONNREFUSED');
    }
    await vi.waitFor(() => expect(socketCounts()).toBeLessThanOrEqual(baseline));
    await running.close(); // a second close is harmless
  });
});
