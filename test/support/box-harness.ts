/**
 * A box on loopback in front of origins the test controls: the real Interceptor (front end,
 * forged TLS, http-mitm-proxy) with a lab PKI, an HTTPS origin for bank.example (targeted) and
 * news.example (passed through), and a plain-HTTP origin, each answering as the test says.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStateCaPreset } from '../../src/scenario/state-ca.ts';
import type { Endpoint } from '../../src/interceptor/events.ts';
import { Interceptor } from '../../src/interceptor/interceptor.ts';
import type { BoxTimeouts } from '../../src/interceptor/timeouts.ts';
import { createLabPki, type LabPki } from '../../src/pki/lab-pki.ts';
import { InterceptPolicy } from '../../src/interceptor/policy.ts';

const QAZNET_2019 = loadStateCaPreset('qaznet-2019');

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface BoxHarness {
  pki: LabPki;
  box: Interceptor;
  /** Where a client reaches each origin through the box. */
  bank: Endpoint;
  news: Endpoint;
  plain: Endpoint;
  /** The origins behind it: replace `handle` to change how they answer. */
  origin: { handle: Handler; connections: number; server: HttpsServer };
  /** An address nothing listens on, behind a box route of its own. */
  down: Endpoint;
  /** PEM bundles: the state root plus the web root (an "installed" subscriber), and the web root alone. */
  installed: string;
  webRoot: string;
  close(): Promise<void>;
}

export async function startBoxHarness(timeouts: Partial<BoxTimeouts> = {}, recordsDir?: string): Promise<BoxHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'tlslab-box-'));
  const pki = await createLabPki({ dir, profile: QAZNET_2019, siteNames: ['bank.example', 'news.example'], keyPoolSize: 2 });
  const origin = { handle: ((_req, res) => res.end('hello from the origin\n')) as Handler, connections: 0, server: null as unknown as HttpsServer };
  const handler: Handler = (req, res) => origin.handle(req, res);
  const sockets = new Set<Socket>();
  const track = <S extends Server>(server: S): S => {
    server.on('connection', (s: Socket) => {
      origin.connections++;
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    return server;
  };
  const creds = (name: string) => ({ cert: pki.site(name).certChainPem, key: pki.site(name).keyPem });
  const bankOrigin = track(createHttpsServer({ ...creds('bank.example'), SNICallback: undefined }, handler));
  const newsOrigin = track(createHttpsServer(creds('news.example'), handler));
  const plainOrigin = track(createHttpServer(handler));
  origin.server = bankOrigin;
  const listen = (s: Server) =>
    new Promise<Endpoint>((r) => s.listen(0, '127.0.0.1', () => r({ address: '127.0.0.1', port: (s.address() as AddressInfo).port })));
  const [bankAt, newsAt, plainAt] = await Promise.all([listen(bankOrigin), listen(newsOrigin), listen(plainOrigin)]);
  // A port that was just free: nothing answers there.
  const gone = createHttpServer();
  const downAt = await listen(gone);
  await new Promise((r) => gone.close(r));

  const box = new Interceptor({
    pki,
    policy: new InterceptPolicy({
      mode: 'sni-targets',
      targets: ['bank.example', '*.bank.example'],
      plainHttp: 'pass',
      upstreamCheck: true,
      validatesUpstream: true,
      installPageHost: 'qca.example',
    }),
    timeouts,
    recordsDir,
  });
  const route = (to: Endpoint, name: string, protocol: 'tls' | 'http') =>
    box.listen({ address: '127.0.0.1', port: 0, protocol, originalDestination: () => ({ destination: to, name, line: 'test' }) });
  const [bank, news, plain, down] = await Promise.all([
    route(bankAt, 'bank.example', 'tls'),
    route(newsAt, 'news.example', 'tls'),
    route(plainAt, 'plain.example', 'http'),
    route(downAt, 'down.example', 'http'),
  ]);
  return {
    pki,
    box,
    bank,
    news,
    plain,
    down,
    origin,
    installed: pki.webRoot.cert.pem + pki.stateRoot.cert.pem,
    webRoot: pki.webRoot.cert.pem,
    async close() {
      await box.close();
      for (const s of sockets) s.destroy();
      await Promise.all([bankOrigin, newsOrigin, plainOrigin].map((s) => new Promise((r) => s.close(r))));
      pki.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Open file descriptors of this process. */
export async function openFds(): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir('/proc/self/fd')).length;
}

/** TCP ports this process listens on (from /proc/net/tcp and its own socket inodes). */
export async function listeningPorts(): Promise<number[]> {
  const { readdir, readlink, readFile } = await import('node:fs/promises');
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const ports: number[] = [];
  for (const file of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9]!)) continue;
      ports.push(parseInt(cols[1]!.split(':')[1] ?? '', 16));
    }
  }
  return ports.sort((a, b) => a - b);
}
