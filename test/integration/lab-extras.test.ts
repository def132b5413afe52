import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { bankSite, cdnSite, outsideSite, socialSite } from '../../lab/sites/index.ts';
import { DEFAULT_ACCOUNTS as LAB_ACCOUNTS, defaultSite } from '../../src/scenario/sites.ts';
import { startSite } from '../../src/sites/serve.ts';
import type { AccessLogEntry, RunningSite, SiteDefinition } from '../../src/sites/site.ts';
import { startTunnelExit, type RunningTunnelExit, type TunnelEvent } from '../../src/sites/tunnel-exit.ts';
import { wsText } from '../../src/ws-text.ts';
import { selfSigned, type SelfSigned } from '../support/self-signed.ts';

/**
 * The hosts that show defences against the interceptor, over real sockets: the CDN edge
 * (domain fronting: SNI cdn.example, Host the customer), the VPN-like tunnel exit
 * (TLS to the exit, CONNECT, then TLS to the site inside it) and the site outside the
 * lab's names. Certificates are self-signed with the openssl CLI, as in sites.test.ts.
 */

type Cert = SelfSigned;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function collect(res: http.IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', reject);
  });
}

let workDir: string;
const certs = new Map<string, Cert>();
const running: Array<{ close(): Promise<void> }> = [];
const originLog: AccessLogEntry[] = [];
let bank: RunningSite;
let social: RunningSite;
let cdn: RunningSite;
let outside: RunningSite;
let exit: RunningTunnelExit;
const tunnels: TunnelEvent[] = [];

function cert(name: string): Cert {
  const found = certs.get(name);
  if (!found) throw new Error(`no certificate for ${name}`);
  return found;
}

async function start(def: SiteDefinition, address: string): Promise<RunningSite> {
  const { certPem, keyPem } = cert(def.name);
  const site = await startSite(def, { address, tls: { certChainPem: certPem, keyPem } });
  running.push(site);
  return site;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tlslab-extras-'));
  for (const name of ['bank.example', 'social.example', 'cdn.example', 'vpn.example', 'www.outside.invalid']) {
    certs.set(name, await selfSigned(workDir, name));
  }
  bank = await start(bankSite(defaultSite('bank')), '127.80.12.10');
  social = await start(socialSite(defaultSite('social')), '127.80.12.11');
  for (const origin of [bank, social]) origin.onAccess((entry) => originLog.push(entry));

  const origins: Record<string, { address: string; port: number }> = {
    'bank.example': { address: bank.address, port: bank.httpsPort! },
    'social.example': { address: social.address, port: social.httpsPort! },
    // Served by the bank's address, whose certificate does not name it: the edge must refuse.
    'news.example': { address: bank.address, port: bank.httpsPort! },
    // Nothing listens there.
    'mail.example': { address: '127.80.12.99', port: 9 },
  };
  cdn = await start(
    cdnSite({
      name: 'cdn.example',
      origins: (host) => origins[host] ?? null,
      originRoots: [cert('bank.example').certPem, cert('social.example').certPem],
    }),
    '127.80.12.20',
  );
  outside = await start(outsideSite(defaultSite('outside')), '127.80.12.30');

  exit = await startTunnelExit({
    name: 'vpn.example',
    address: '127.80.12.40',
    tls: { certChainPem: cert('vpn.example').certPem, keyPem: cert('vpn.example').keyPem },
    resolve: (host, port) => {
      if (port !== 443) return null;
      if (host === 'bank.example') return { address: bank.address, port: bank.httpsPort! };
      if (host === 'down.example') return { address: '127.80.12.99', port: 9 };
      return null;
    },
  });
  running.push(exit);
  exit.onTunnel((e) => tunnels.push(e));
});

afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('cdn.example (domain fronting)', () => {
  /** TLS to the edge with SNI cdn.example; the Host header picks the site. */
  function viaCdn(host: string, pathname: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { Host: host, ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: cdn.address,
          port: cdn.httpsPort,
          servername: 'cdn.example',
          ca: cert('cdn.example').certPem,
          method: init.method ?? 'GET',
          path: pathname,
          headers,
          agent: false,
        },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(init.body);
    });
  }

  it('serves its landing page for its own name, whatever the case or port', async () => {
    for (const host of ['cdn.example', 'CDN.Example:443']) {
      const reply = await viaCdn(host, '/');
      expect(reply.status).toBe(200);
      expect(reply.text).toContain('cdn.example edge server');
      expect(reply.headers.via).toBeUndefined();
    }
  });

  it('fetches the bank from its origin when Host says bank.example, adding Via', async () => {
    const home = await viaCdn('bank.example', '/');
    expect(home.status).toBe(302);
    expect(home.headers.location).toBe('/login');
    expect(home.headers.via).toBe('1.1 cdn.example');

    const login = await viaCdn('bank.example', '/login');
    expect(login.status).toBe(200);
    expect(login.text).toContain('<form method="post" action="/login">');
    expect(login.text).toContain('Qazaq Bank');
    expect(login.headers.via).toBe('1.1 cdn.example');
    // The origin's own headers come back, HSTS included, though the edge sends none of its own.
    expect(login.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    await vi.waitFor(() =>
      expect(originLog).toContainEqual(expect.objectContaining({ site: 'bank.example', method: 'GET', path: '/login', status: 200, remote: '127.0.0.1' })),
    );
  });

  it('streams a login form to the origin and its session cookie back', async () => {
    const alice = LAB_ACCOUNTS.find((a) => a.username === 'alice')!;
    const reply = await viaCdn('bank.example', '/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: alice.username, password: alice.password }).toString(),
    });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/account');
    expect(reply.headers['set-cookie']?.[0]).toMatch(/^session=[0-9a-f]{32}; Path=\/; HttpOnly; Secure/);
    expect(reply.headers.via).toBe('1.1 cdn.example');
  });

  it('answers 421 Misdirected Request for a name it does not serve', async () => {
    const reply = await viaCdn('unknown.example', '/');
    expect(reply.status).toBe(421);
    expect(reply.text).toContain('cdn.example serves no site named "unknown.example"');
  });

  it('answers 502 with the reason when the origin is unreachable or not who it should be', async () => {
    const wrongCert = await viaCdn('news.example', '/');
    expect(wrongCert.status).toBe(502);
    expect(wrongCert.text).toMatch(
      /^Bad Gateway: cdn\.example could not get news\.example\/ from its origin: Hostname\/IP does not match certificate's altnames/,
    );

    const down = await viaCdn('mail.example', '/inbox');
    expect(down.status).toBe(502);
    expect(down.text).toContain('could not get mail.example/inbox from its origin: connect ECONNREFUSED 127.80.12.99:9');
  });

  function wsViaCdn(host: string, pathname: string): WebSocket {
    const options: WebSocket.ClientOptions & { servername: string } = {
      servername: 'cdn.example',
      ca: cert('cdn.example').certPem,
      headers: { Host: host },
    };
    return new WebSocket(`wss://${cdn.address}:${cdn.httpsPort}${pathname}`, options);
  }

  it('relays a WebSocket to the origin named by Host', async () => {
    const ws = wsViaCdn('social.example', '/chat');
    const messages: Array<{ from: string; text: string }> = [];
    ws.on('message', (data) => messages.push(JSON.parse(wsText(data)) as { from: string; text: string }));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ text: 'fronted through the CDN' }));
    await vi.waitFor(() => {
      expect(messages).toContainEqual(expect.objectContaining({ from: 'social.example', text: 'Welcome to the chat' }));
      expect(messages).toContainEqual(expect.objectContaining({ from: 'guest', text: 'fronted through the CDN' }));
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.close(1000);
    expect(await closed).toBe(1000);
    expect(originLog).toContainEqual(expect.objectContaining({ site: 'social.example', scheme: 'wss', path: '/chat', status: 101 }));
  });

  it('closes a relayed WebSocket with 1014 Bad Gateway when the origin refuses it', async () => {
    const ws = wsViaCdn('social.example', '/admin');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
    expect(await closed).toEqual({ code: 1014, reason: 'Bad Gateway: Unexpected server response: 404' });
  });
});

describe('vpn.example (tunnel exit)', () => {
  /** TLS to the exit (verified), then CONNECT; resolves with the status and, on 200, the tunnel. */
  function connectThroughExit(target: string): Promise<{ status: number; socket?: net.Socket; text?: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: exit.address,
        port: exit.port,
        servername: 'vpn.example',
        ca: cert('vpn.example').certPem,
        method: 'CONNECT',
        path: target,
        agent: false,
      });
      // node emits 'connect' whatever the status; a refusal's body follows on the socket.
      req.once('connect', (res, socket, head) => {
        const status = res.statusCode ?? 0;
        if (status === 200) return resolve({ status, socket });
        const chunks: Buffer[] = [head];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.once('end', () => resolve({ status, text: Buffer.concat(chunks).toString('utf8') }));
        socket.once('error', reject);
      });
      req.once('error', reject);
      req.end();
    });
  }

  it('tunnels TLS end to end: the client verifies bank.example itself, inside the tunnel', async () => {
    const { status, socket } = await connectThroughExit('bank.example:443');
    expect(status).toBe(200);

    const inner = tls.connect({ socket: socket!, servername: 'bank.example', ca: cert('bank.example').certPem });
    await new Promise((resolve, reject) => inner.once('secureConnect', resolve).once('error', reject));
    expect(inner.authorized).toBe(true);
    expect(inner.getPeerX509Certificate()?.subjectAltName).toBe('DNS:bank.example');

    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        { createConnection: () => inner, path: '/login', headers: { Host: 'bank.example' } },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end();
    });
    inner.destroy();
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('<form method="post" action="/login">');
    expect(tunnels).toContainEqual({ remote: '127.0.0.1', target: 'bank.example:443', ok: true });
  });

  it('refuses with 403 to tunnel anywhere the lab does not know', async () => {
    // Names that resolve nowhere (RFC 6761) or ports the lab does not serve: never a real address.
    for (const target of ['nowhere.invalid:443', 'bank.example:8443']) {
      const reply = await connectThroughExit(target);
      expect(reply.status).toBe(403);
      expect(reply.text).toContain(`vpn.example does not tunnel to ${target}`);
      expect(tunnels).toContainEqual({ remote: '127.0.0.1', target, ok: false });
    }
    expect((await connectThroughExit('no-port.example')).status).toBe(400);
  });

  it('answers 502 when a lab host it may reach is down', async () => {
    const reply = await connectThroughExit('down.example:443');
    expect(reply.status).toBe(502);
    expect(reply.text).toContain('vpn.example could not reach down.example:443: connect ECONNREFUSED 127.80.12.99:9');
    expect(tunnels).toContainEqual({ remote: '127.0.0.1', target: 'down.example:443', ok: false });
  });

  it('answers 405 to anything but CONNECT', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      https
        .get(
          { host: exit.address, port: exit.port, servername: 'vpn.example', ca: cert('vpn.example').certPem, path: '/', agent: false },
          (res) => void collect(res).then(resolve, reject),
        )
        .on('error', reject);
    });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('CONNECT');
  });

  it('close() ends open tunnels and frees its port', async () => {
    const extra = await startTunnelExit({
      name: 'vpn.example',
      address: '127.80.12.41',
      tls: { certChainPem: cert('vpn.example').certPem, keyPem: cert('vpn.example').keyPem },
      resolve: () => ({ address: bank.address, port: bank.httpsPort! }),
    });
    const tunnel = await new Promise<net.Socket>((resolve, reject) => {
      https
        .request({
          host: extra.address,
          port: extra.port,
          servername: 'vpn.example',
          ca: cert('vpn.example').certPem,
          method: 'CONNECT',
          path: 'bank.example:443',
          agent: false,
        })
        .once('connect', (_res, socket) => resolve(socket))
        .once('error', reject)
        .end();
    });
    const tunnelClosed = new Promise<void>((resolve) => tunnel.once('close', () => resolve()));
    tunnel.on('error', () => undefined);

    await extra[Symbol.asyncDispose]();
    await tunnelClosed;
    const refused = await new Promise<string>((resolve) =>
      net
        .connect({ host: extra.address, port: extra.port })
        .once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? ''))
        .once('connect', () => resolve('connected')),
    );
    expect(refused).toBe('ECONNREFUSED');
    await extra.close(); // a second close is harmless
  });

  it('refuses to listen outside 127.0.0.0/8', async () => {
    const options = { name: 'vpn.example', address: '0.0.0.0', tls: { certChainPem: '', keyPem: '' }, resolve: () => null };
    await expect(startTunnelExit(options)).rejects.toMatchObject({ code: 'SITE_ERR_NOT_LOOPBACK' });
  });
});

describe('www.outside.invalid', () => {
  function request(pathname: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Host: 'www.outside.invalid' };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const req = https.request(
        {
          host: outside.address,
          port: outside.httpsPort,
          servername: 'www.outside.invalid',
          ca: cert('www.outside.invalid').certPem,
          method: body === undefined ? 'GET' : 'POST',
          path: pathname,
          headers,
          agent: false,
        },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves a login form without HSTS', async () => {
    const reply = await request('/');
    expect(reply.status).toBe(200);
    expect(reply.headers['strict-transport-security']).toBeUndefined();
    expect(reply.text).toContain('<form method="post" action="/login">');
    expect(reply.text).toContain('name="password"');
  });

  it('welcomes whoever logs in, refuses an empty form, 404 elsewhere', async () => {
    const welcome = await request('/login', new URLSearchParams({ username: 'alice', password: 'Almaty-2019!' }).toString());
    expect(welcome.status).toBe(200);
    expect(welcome.text).toContain('Welcome, alice');
    expect((await request('/login', 'username=alice')).status).toBe(400);
    expect((await request('/admin')).status).toBe(404);
  });
});
