import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { NotTlsError, type PeekedHello, peekClientHello } from '../../src/interceptor/client-hello.ts';

type Peeked = { ok: true; hello: PeekedHello; ms: number } | { ok: false; error: unknown; ms: number };

/** Everything a test opened, closed in afterEach whether the test passed or not. */
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill();
      await once(c, 'exit');
    }
  }
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/**
 * A listener on 127.0.0.1 port 0 that peeks at its first connection, as the interceptor's
 * front end does: paused on connect, so no byte is read before peekClientHello asks.
 */
async function peekingServer(timeoutMs = 2000): Promise<{ port: number; peeked: Promise<Peeked> }> {
  let resolve!: (p: Peeked) => void;
  const peeked = new Promise<Peeked>((r) => {
    resolve = r;
  });
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    const started = performance.now();
    peekClientHello(socket, timeoutMs).then(
      (hello) => resolve({ ok: true, hello, ms: performance.now() - started }),
      (error: unknown) => resolve({ ok: false, error, ms: performance.now() - started }),
    );
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, peeked };
}

function tlsClient(port: number, servername: string): void {
  const client = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
  client.on('error', () => {});
  sockets.push(client);
}

function expectOneCompleteRecord(head: Buffer): void {
  expect(head[0]).toBe(0x16); // handshake record (RFC 8446 §5.1)
  expect(head[5]).toBe(0x01); // client_hello
  expect(head.length).toBe(5 + head.readUInt16BE(3));
}

describe('peekClientHello', () => {
  it('reads the SNI and JA4 of a Node TLS client and keeps the whole first record', async () => {
    const { port, peeked } = await peekingServer();
    tlsClient(port, 'bank.example');
    const p = await peeked;
    if (!p.ok) throw p.error;
    expect(p.hello.sni).toBe('bank.example');
    expect(p.hello.ja4).toMatch(/^t13/);
    expectOneCompleteRecord(p.hello.head);
    // The SNI is inside the bytes handed on, untouched.
    expect(p.hello.head.includes(Buffer.from('bank.example'))).toBe(true);
  });

  it('gives no SNI for a client that sends none (connecting to an IP)', async () => {
    const { port, peeked } = await peekingServer();
    tlsClient(port, '');
    const p = await peeked;
    if (!p.ok) throw p.error;
    expect(p.hello.sni).toBeNull();
    expectOneCompleteRecord(p.hello.head);
  });

  it('rejects plain HTTP with NotTlsError that shows the first bytes and keeps them', async () => {
    const { port, peeked } = await peekingServer();
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => {});
    sockets.push(client);
    await once(client, 'connect');
    client.write('GET / HTTP/1.1\r\nHost: news.example\r\n\r\n');
    const p = await peeked;
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.error).toBeInstanceOf(NotTlsError);
    const err = p.error as NotTlsError;
    expect(err.code).toBe('TLSLAB_NOT_TLS');
    expect(err.message).toContain('GET / HTTP/1.1');
    expect(err.head.toString('latin1').startsWith('GET / HTTP/1.1\r\n')).toBe(true);
  });

  it('rejects after the timeout when the client sends nothing', async () => {
    const { port, peeked } = await peekingServer(200);
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => {});
    sockets.push(client);
    const p = await peeked;
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.error).not.toBeInstanceOf(NotTlsError);
    expect((p.error as Error).message).toMatch(/no ClientHello within 200 ms/);
    expect(p.ms).toBeGreaterThanOrEqual(190);
    expect(p.ms).toBeLessThan(2000);
  });

  it('reads the SNI that the real openssl s_client sends', async () => {
    const { port, peeked } = await peekingServer(10_000);
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'mail.example'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    children.push(child);
    child.stdin.end();
    const p = await peeked;
    if (!p.ok) throw p.error;
    expect(p.hello.sni).toBe('mail.example');
    expect(p.hello.ja4).toMatch(/^t13/);
    expectOneCompleteRecord(p.hello.head);
  });
});
