/**
 * The box never crashes, never leaks, and answers every client honestly (issue: "the ISP box:
 * unbreakable, bounded"). Each case is one that crashed, leaked or misled before: an abandoned
 * POST, an answer arriving after the client left, a WebSocket upgrade sent straight to
 * http-mitm-proxy, an origin down, hung or resetting, a dripping client, cut handshakes, racing
 * first connections, and bytes meant for a person's terminal.
 */
import { execFile } from 'node:child_process';
import { Agent, request, type RequestOptions } from 'node:https';
import { promisify } from 'node:util';
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeEvent } from '../../src/interceptor/describe-event.ts';
import type { Endpoint, InterceptorEvent } from '../../src/interceptor/events.ts';
import { listeningPorts, openFds, startBoxHarness, type BoxHarness, type Handler } from '../support/box-harness.ts';

interface Answer {
  status: number | null;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  error: string | null;
}

function fetchVia(at: Endpoint, ca: string, opts: RequestOptions & { body?: string; servername?: string } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const { body, ...rest } = opts;
    const req = request(
      {
        host: at.address,
        port: at.port,
        servername: 'bank.example',
        ca,
        path: '/',
        agent: false,
        headers: { host: opts.servername ?? 'bank.example' },
        ...rest,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? null, headers: res.headers, body: text, error: null }));
        res.on('error', (e) => resolve({ status: res.statusCode ?? null, headers: res.headers, body: text, error: e.message }));
        res.on('aborted', () => resolve({ status: res.statusCode ?? null, headers: res.headers, body: text, error: 'aborted' }));
      },
    );
    req.on('error', (e) => resolve({ status: null, headers: {}, body: '', error: e.message }));
    req.end(body);
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const eventsOf = <T extends InterceptorEvent['type']>(h: BoxHarness, type: T) =>
  h.box.events.filter((e): e is Extract<InterceptorEvent, { type: T }> => e.type === type);

describe('the box under failures on both sides', () => {
  let h: BoxHarness;
  const serves: Handler = (_req, res) => res.end('hello from the origin\n');

  beforeAll(async () => {
    h = await startBoxHarness({ requestHeadMs: 600, upstreamResponseMs: 400, upstreamIdleMs: 400, handshakeMs: 600 });
  });
  afterAll(() => h?.close());
  afterEach(() => {
    h.origin.handle = serves;
  });

  const stillServes = async () => {
    h.origin.handle = serves;
    const a = await fetchVia(h.bank, h.installed);
    expect(a).toMatchObject({ status: 200, body: 'hello from the origin\n', error: null });
  };

  it('survives an abandoned POST whose origin answers after the client left, and records what was read', async () => {
    // The origin answers only once the body it was promised stops coming (as the bank's request timeout did).
    h.origin.handle = (req, res) => {
      req.on('data', () => undefined);
      setTimeout(() => res.writeHead(408).end('too slow'), 300);
    };
    const tls = tlsConnect({ host: h.bank.address, port: h.bank.port, servername: 'bank.example', ca: h.installed });
    await new Promise((r) => tls.once('secureConnect', r));
    tls.write(
      'POST /login HTTP/1.1\r\nHost: bank.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=alice&password=Almaty',
    );
    await wait(100);
    tls.destroy();
    await wait(500);
    const failed = eventsOf(h, 'request-failed').find((e) => e.url === 'https://bank.example/login');
    expect(failed).toMatchObject({ failure: 'client-gone', status: null });
    expect(eventsOf(h, 'capture').some((c) => c.flow === failed!.flow && c.kind === 'url' && c.value === 'POST https://bank.example/login')).toBe(true);
    expect(h.box.exchanges.find((x) => x.flow === failed!.flow)).toMatchObject({ method: 'POST', error: 'client-gone' });
    await stillServes();
  });

  it('survives an origin that answers after the client has gone', async () => {
    h.origin.handle = (_req, res) => setTimeout(() => res.end('late'), 200);
    const tls = tlsConnect({ host: h.bank.address, port: h.bank.port, servername: 'bank.example', ca: h.installed });
    await new Promise((r) => tls.once('secureConnect', r));
    tls.write('GET /slow HTTP/1.1\r\nHost: bank.example\r\n\r\n');
    await wait(50);
    tls.destroy();
    await wait(400);
    expect(eventsOf(h, 'request-failed').some((e) => e.url === 'https://bank.example/slow' && e.failure === 'client-gone')).toBe(true);
    await stillServes();
  });

  it("gives no listening port to http-mitm-proxy: only the box's own routes accept connections", async () => {
    const ports = await listeningPorts();
    const ours = [h.bank.port, h.news.port, h.plain.port, h.down.port];
    for (const p of ours) expect(ports).toContain(p);
    const origins = [(h.origin.server.address() as { port: number }).port];
    const others = ports.filter((p) => !ours.includes(p) && !origins.includes(p));
    // The other listeners are this test's origins (news, plain); none belongs to the proxy.
    expect(others.length).toBeLessThanOrEqual(2);
  });

  it('answers a WebSocket upgrade without a Host header instead of crashing', async () => {
    const s = netConnect({ host: h.plain.address, port: h.plain.port });
    let answer = '';
    s.on('data', (c: Buffer) => (answer += c.toString()));
    s.on('error', () => undefined);
    s.write(
      'GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await new Promise((r) => s.once('close', r));
    expect(answer).toMatch(/^HTTP\/1\.1 \d{3}/);
    await stillServes();
  });

  it('answers 502 Bad Gateway with a short lab page when the origin is down, and records why', async () => {
    const a = await new Promise<Answer>((resolve) => {
      const req = httpRequest({ host: h.down.address, port: h.down.port, path: '/', headers: { host: 'down.example' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, error: null }));
      });
      req.end();
    });
    expect(a.status).toBe(502);
    expect(a.body).toContain('502 Bad Gateway');
    expect(a.body).toContain('down.example could not be reached.');
    expect(a.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|PROXY_TO_SERVER|Error:/);
    expect(eventsOf(h, 'request-failed').find((e) => e.site === 'down.example')).toMatchObject({ failure: 'origin-unreachable', status: 502 });
  });

  it('answers 504 Gateway Timeout when the origin does not answer in time', async () => {
    h.origin.handle = () => undefined;
    const a = await fetchVia(h.bank, h.installed, { path: '/hang' });
    expect(a.status).toBe(504);
    expect(a.body).toContain('bank.example did not answer in time.');
    expect(eventsOf(h, 'request-failed').find((e) => e.url === 'https://bank.example/hang')).toMatchObject({ failure: 'origin-timeout', status: 504 });
    await stillServes();
  });

  it("cuts the client's response when the origin resets in the middle of it: a truncated reply never looks complete", async () => {
    h.origin.handle = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first half of the page, ');
      setTimeout(() => res.socket?.destroy(), 50);
    };
    const a = await fetchVia(h.bank, h.installed, { path: '/reset' });
    expect(a.status).toBe(200);
    expect(a.error).not.toBeNull();
    expect(a.body).toBe('first half of the page, ');
    expect(eventsOf(h, 'request-failed').find((e) => e.url === 'https://bank.example/reset')).toMatchObject({ failure: 'origin-reset', status: null });
    await stillServes();
  });

  it('drops clients that drip a request a byte at a time after the forged handshake', async () => {
    const drippers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const t = tlsConnect({ host: h.bank.address, port: h.bank.port, servername: 'bank.example', ca: h.installed });
        t.on('error', () => undefined);
        await new Promise((r) => t.once('secureConnect', r));
        const text = 'GET / HTTP/1.1\r\nHost: bank.example\r\n';
        let i = 0;
        const drip = setInterval(() => !t.destroyed && t.write(text.charAt(i++ % text.length)), 50);
        t.once('close', () => clearInterval(drip));
        return t;
      }),
    );
    await expect.poll(() => drippers.filter((t) => t.destroyed || t.readableEnded).length, { timeout: 5000 }).toBe(50);
    for (const t of drippers) t.destroy();
    // The box dropped them: that is its deadline, not a client refusing the certificate.
    expect(eventsOf(h, 'dropped').filter((d) => d.reason === 'no complete request within 600 ms').length).toBeGreaterThanOrEqual(50);
    expect(eventsOf(h, 'client-tls-failed').filter((f) => f.failure === 'closed-after-handshake')).toEqual([]);
    await stillServes();
  });

  it('does not call a cut handshake a refusal', async () => {
    const before = h.box.events.length;
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const t = tlsConnect({ host: h.bank.address, port: h.bank.port, servername: 'bank.example', ca: h.installed });
        t.on('error', () => undefined);
        // Gone right after the ClientHello, or a moment later: no client looked at anything.
        t.once('connect', () => setTimeout(() => t.destroy(), i % 3));
        await new Promise((r) => t.once('close', r));
      }),
    );
    await wait(200);
    const fresh = h.box.events.slice(before);
    const failures = fresh.filter((e): e is Extract<InterceptorEvent, { type: 'client-tls-failed' }> => e.type === 'client-tls-failed');
    for (const f of failures) {
      expect(['cut-before-certificate', 'closed-during-handshake']).toContain(f.failure);
      expect(describeEvent(f)).not.toMatch(/refused/);
    }
  });

  it('records a refusal when the client rejects the certificate with an alert (curl without the state root)', async () => {
    const before = h.box.events.length;
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/tlslab-curl-`);
    await writeFile(`${dir}/web-root.pem`, h.webRoot);
    const curl = await promisify(execFile)('curl', [
      '-sS',
      '--cacert',
      `${dir}/web-root.pem`,
      '--connect-to',
      `bank.example:443:${h.bank.address}:${h.bank.port}`,
      'https://bank.example/',
    ]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(curl.code).toBe(60);
    expect(curl.stderr).toMatch(/unable to get local issuer certificate/);
    await expect.poll(() => h.box.events.slice(before).find((e) => e.type === 'client-tls-failed')).toMatchObject({ failure: 'cert-rejected' });
  });

  it('forges one certificate for a real certificate, however many first connections race', async () => {
    const forgedBefore = eventsOf(h, 'forged').length;
    // A new name under the wildcard target: the same real certificate, never seen under this SNI.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetchVia(h.news, h.installed, { servername: 'race.bank.example', headers: { host: 'news.example' }, checkServerIdentity: () => undefined }),
      ),
    );
    for (const a of answers) expect(a.error).toBeNull();
    expect(eventsOf(h, 'forged').length - forgedBefore).toBeLessThanOrEqual(1);
  });

  it("escapes what clients send before it reaches a person's terminal", async () => {
    const before = h.box.events.length;
    await fetchVia(h.bank, h.installed, {
      method: 'POST',
      path: '/login',
      headers: { host: 'bank.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=%0A%5Bisp%5D%20fake%20line%1B%5B31m&password=x',
    });
    const t = tlsConnect({ host: h.news.address, port: h.news.port, servername: 'evil\u001b[2J.bank.example', rejectUnauthorized: false });
    t.on('error', () => undefined);
    await new Promise((r) => t.once('close', r).once('secureConnect', () => t.destroy()));
    await wait(100);
    const lines = h.box.events
      .slice(before)
      .map(describeEvent)
      .filter((l): l is string => l !== null);
    expect(lines.length).toBeGreaterThan(0);
    // eslint-disable-next-line no-control-regex
    for (const l of lines) expect(l).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('the box says when its records are complete', () => {
  let h: BoxHarness;
  beforeAll(async () => {
    h = await startBoxHarness();
  });
  afterAll(() => h?.close());

  it('says when it has recorded all it is reading: settled() waits for the end of a slow answer, and gives up at its limit', async () => {
    expect(await h.box.settled(50)).toBe(true);
    // Well inside the box's idle deadline for an origin (30 s here): the answer is slow, not dead.
    h.origin.handle = (_req, res) => {
      res.write('first ');
      setTimeout(() => res.end('last'), 400);
    };
    const answer = fetchVia(h.bank, h.installed, { path: '/slow' });
    await vi.waitFor(() => expect(eventsOf(h, 'capture').some((c) => c.value === 'GET https://bank.example/slow')).toBe(true));
    expect(await h.box.settled(50)).toBe(false);
    expect(h.box.exchanges.some((x) => x.url === 'https://bank.example/slow')).toBe(false);
    expect(await h.box.settled(5_000)).toBe(true);
    expect(h.box.exchanges.find((x) => x.url === 'https://bank.example/slow')?.responseBody.toString()).toBe('first last');
    expect(await answer).toMatchObject({ status: 200, body: 'first last', error: null });
  });
});

describe('the box keeps connections alive and bounded', () => {
  let h: BoxHarness;
  beforeAll(async () => {
    h = await startBoxHarness();
  });
  afterAll(() => h?.close());

  it('keeps the client connection and the upstream connection alive across requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: h.installed, servername: 'bank.example' });
    const connectionsBefore = eventsOf(h, 'connection').length;
    const originBefore = h.origin.connections;
    for (let i = 0; i < 20; i++) {
      const a = await fetchVia(h.bank, h.installed, { agent, path: `/r${i}` });
      expect(a.status).toBe(200);
      expect(a.headers.connection).not.toBe('close');
    }
    agent.destroy();
    expect(eventsOf(h, 'connection').length - connectionsBefore).toBe(1);
    // One upstream connection for all 20: the box's own look at the certificate, kept open, carried them.
    expect(h.origin.connections - originBefore).toBe(1);
  });

  it('forwards to the server it looked at after an SNI the certificate does not name, as the device did', async () => {
    // The bank's real certificate names bank.example only; www.bank.example is targeted. The
    // device forged in the server's own names and went on to that server (Raman et al.); the
    // client here takes the forged copy without checking the name, to get its request through.
    const before = h.origin.connections;
    const a = await fetchVia(h.bank, h.installed, {
      servername: 'www.bank.example',
      headers: { host: 'www.bank.example' },
      checkServerIdentity: () => undefined,
    });
    expect(a).toMatchObject({ status: 200, body: 'hello from the origin\n', error: null });
    expect(h.origin.connections - before).toBe(1);
  });

  it('forwards only to the certificate it looked at: another certificate must name the SNI', async () => {
    // The first request took the look's connection. Then the server changes its certificate and
    // drops every connection: the pool's next connection (its session is no good with the new
    // ticket keys) makes a full handshake, and the other certificate is refused, not relayed.
    const c = await fetchVia(h.bank, h.installed, { servername: 'x.bank.example', headers: { host: 'x.bank.example' }, checkServerIdentity: () => undefined });
    expect(c.status).toBe(200);
    const other = h.pki.site('news.example');
    h.origin.server.setSecureContext({ cert: other.certChainPem, key: other.keyPem });
    h.origin.server.closeAllConnections();
    try {
      const d = await fetchVia(h.bank, h.installed, {
        servername: 'x.bank.example',
        headers: { host: 'x.bank.example' },
        checkServerIdentity: () => undefined,
        path: '/again',
      });
      expect(d.status).toBe(502);
      expect(d.body).not.toContain('hello from the origin');
    } finally {
      const bank = h.pki.site('bank.example');
      h.origin.server.setSecureContext({ cert: bank.certChainPem, key: bank.keyPem });
    }
  });

  it('records exactly N requests under 200-way concurrency, no more, no less', async () => {
    const N = 1000;
    const agent = new Agent({ keepAlive: true, maxSockets: 200, ca: h.installed, servername: 'bank.example' });
    let next = 0;
    const results: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        while (next < N) {
          const i = next++;
          const a = await fetchVia(h.bank, h.installed, { agent, path: `/n/${i}` });
          results.push(a.status ?? 0);
        }
      }),
    );
    agent.destroy();
    expect(results.filter((s) => s === 200)).toHaveLength(N);
    const urls = eventsOf(h, 'capture').filter((c) => c.kind === 'url' && c.value.startsWith('GET https://bank.example/n/'));
    expect(urls).toHaveLength(N);
    expect(new Set(urls.map((u) => u.value)).size).toBe(N);
  });

  it('gives back every file descriptor after pass-through, garbage, cut handshakes and intercepted requests', async () => {
    await fetchVia(h.news, h.webRoot, { servername: 'news.example', headers: { host: 'news.example' } });
    await wait(200);
    const baseline = await openFds();
    for (let i = 0; i < 200; i++) await fetchVia(h.news, h.webRoot, { servername: 'news.example', headers: { host: 'news.example' } });
    for (let i = 0; i < 200; i++) {
      const s = netConnect({ host: h.bank.address, port: h.bank.port });
      s.on('error', () => undefined);
      s.end(i % 2 ? 'garbage\r\n\r\n' : Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
      await new Promise((r) => s.once('close', r));
    }
    for (let i = 0; i < 100; i++) {
      const t: TLSSocket = tlsConnect({ host: h.bank.address, port: h.bank.port, servername: 'bank.example', ca: h.installed });
      t.on('error', () => undefined);
      t.once('secureConnect', () => t.destroy());
      await new Promise((r) => t.once('close', r));
    }
    for (let i = 0; i < 100; i++) await fetchVia(h.bank, h.installed, { path: `/fd/${i}` });
    await expect.poll(async () => (await openFds()) - baseline, { timeout: 10_000, interval: 250 }).toBeLessThanOrEqual(8);
  });
});

describe('the box relays headers as they were written', () => {
  let h: BoxHarness;
  beforeAll(async () => {
    h = await startBoxHarness();
  });
  afterAll(() => h?.close());

  it("keeps header names, case and order both ways; only hop-by-hop headers are the box's own", async () => {
    let seen: string[] = [];
    h.origin.handle = (req, res) => {
      seen = req.rawHeaders;
      res.writeHead(200, ['X-Custom-Thing', 'a', 'content-type', 'text/plain', 'X-Second', 'b', 'Content-Length', '2']);
      res.end('ok');
    };
    const raw = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: h.bank.address, port: h.bank.port, servername: 'bank.example', ca: h.installed });
      s.once('secureConnect', () =>
        s.write('GET /x HTTP/1.1\r\nHost: bank.example\r\nX-Client-Header: 1\r\nUser-Agent: Test/1\r\naccept: */*\r\nConnection: close\r\n\r\n'),
      );
      let out = '';
      s.on('data', (c) => (out += c));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    const hopByHop = /^(connection|keep-alive|date)$/i;
    const names = raw
      .split('\r\n\r\n')[0]!
      .split('\r\n')
      .slice(1)
      .map((l) => l.slice(0, l.indexOf(':')));
    expect(names.filter((n) => !hopByHop.test(n))).toEqual(['X-Custom-Thing', 'content-type', 'X-Second', 'Content-Length']);
    const sent = seen.filter((_, i) => i % 2 === 0);
    expect(sent.filter((n) => !hopByHop.test(n))).toEqual(['Host', 'X-Client-Header', 'User-Agent', 'accept']);
  });
});
