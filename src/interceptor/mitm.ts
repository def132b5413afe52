/**
 * The http-mitm-proxy wiring: connections the policy chose to intercept are handed to a real
 * http-mitm-proxy, which terminates TLS with our forged certificate, reads every request,
 * response and WebSocket frame, and forwards them to the original destination.
 *
 * One proxy instance per original destination: with forceSNI the proxy keys its certificates
 * by SNI only, but the forged certificate depends on the destination too (names are copied
 * from the real server's certificate, so a targeted SNI sent to another server gets that
 * server's names, as Raman et al. observed). Certificates come from our PKI, never from the
 * proxy's own blocking minting (peers.md, pitfalls 2 and 5).
 */
import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { Proxy } from 'http-mitm-proxy';
import type { ForgedLeaf } from '../pki/forge-leaf.ts';
import { captureFromResponseBody, captureFromWebSocket, capturesFromRequest, capturesFromResponse, type Captured } from './capture-rules.ts';
import { now, type EventLog } from './event-log.ts';
import type { ClientTlsFailure, Endpoint } from './events.ts';
import { headerPairs, type Exchange } from './exports/exchange.ts';
import { decideHttp, type InterceptPolicySpec } from './policy.ts';
import { silenceHttpMitmProxyConsole } from './quiet-library-console.ts';
import { DEVICE_TLS } from './upstream-probe.ts';

/** One client TCP connection as the interceptor tracks it. */
export interface Flow {
  id: string;
  protocol: 'tls' | 'http';
  client: Endpoint;
  destination: Endpoint;
  destinationName: string | null;
  line: string | null;
  sni: string | null;
  requests: number;
  handshakeDone: boolean;
  failureRecorded: boolean;
}

export interface MitmOptions {
  caDir: string;
  webRoots: string[];
  policy: InterceptPolicySpec;
  log: EventLog;
  exchanges: Exchange[];
  keylog: string[];
  certFor(destination: Endpoint, sni: string): Promise<ForgedLeaf>;
}

/** The synthetic CONNECT request handed to the proxy; it carries our flow. */
interface ConnectRequest {
  url: string;
  headers: Record<string, string>;
  flow: Flow;
}

// The proxy's context objects, as far as we use them.
interface RequestCtx {
  isSSL: boolean;
  connectRequest?: ConnectRequest;
  clientToProxyRequest: IncomingMessage;
  proxyToClientResponse: ServerResponse;
  proxyToServerRequestOptions: Record<string, unknown>;
  serverToProxyResponse?: IncomingMessage;
  onRequestData(fn: (ctx: RequestCtx, chunk: Buffer, cb: (e: null, c: Buffer) => void) => void): void;
  onRequestEnd(fn: (ctx: RequestCtx, cb: () => void) => void): void;
  onResponse(fn: (ctx: RequestCtx, cb: () => void) => void): void;
}
interface WebSocketCtx {
  isSSL: boolean;
  connectRequest?: ConnectRequest;
  clientToProxyWebSocket: { upgradeReq: IncomingMessage; _socket: TLSSocket };
  proxyToServerWebSocketOptions: { url: string; headers: Record<string, string>; [k: string]: unknown };
  exchange?: Exchange;
  startedMs?: number;
}

export class MitmProxies {
  private readonly instances = new Map<string, Promise<ProxyInstance>>();

  constructor(private readonly opts: MitmOptions) {
    silenceHttpMitmProxyConsole();
  }

  /** Hand a client connection (whose first bytes were already read) to the proxy for its destination. */
  async handOver(flow: Flow, socket: Duplex, head: Buffer): Promise<void> {
    const key = `${flow.destination.address}:${flow.destination.port}`;
    let instance = this.instances.get(key);
    if (!instance) {
      instance = ProxyInstance.start(flow.destination, this.opts);
      this.instances.set(key, instance);
    }
    (await instance).handOver(flow, socket, head);
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.instances.values());
    for (const r of all) if (r.status === 'fulfilled') r.value.close();
    this.instances.clear();
  }
}

class ProxyInstance {
  private readonly proxy = new Proxy();
  private readonly httpsAgent: HttpsAgent;
  private readonly httpAgent = new HttpAgent({ keepAlive: false });

  private constructor(
    private readonly destination: Endpoint,
    private readonly opts: MitmOptions,
  ) {
    this.httpsAgent = new HttpsAgent({ keepAlive: false, ca: opts.webRoots, rejectUnauthorized: opts.policy.validatesUpstream, ...DEVICE_TLS });
    this.httpsAgent.on('keylog', (line: Buffer) => opts.keylog.push(line.toString('latin1')));
  }

  static async start(destination: Endpoint, opts: MitmOptions): Promise<ProxyInstance> {
    const instance = new ProxyInstance(destination, opts);
    await instance.listen();
    return instance;
  }

  handOver(flow: Flow, socket: Duplex, head: Buffer): void {
    const req: ConnectRequest = { url: `${flow.sni ?? flow.destination.address}:${flow.destination.port}`, headers: {}, flow };
    // Non-empty head: the proxy replays it and sends no "200 Connection established" (peers.md, 1).
    this.proxy.httpServer!.emit('connect', req, socket, head);
  }

  close(): void {
    this.proxy.close();
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  private listen(): Promise<void> {
    const proxy = this.proxy as unknown as Record<string, unknown>;
    proxy.onCertificateRequired = (hostname: string, cb: (e: null, d: unknown) => void) =>
      // Paths that never exist, so the proxy always asks onCertificateMissing (our PKI).
      cb(null, {
        keyFile: join(this.opts.caDir, 'unused', 'none.key'),
        certFile: join(this.opts.caDir, 'unused', 'none.pem'),
        hosts: [hostname],
      });
    proxy.onCertificateMissing = (ctx: { hostname: string }, _files: unknown, cb: (e: unknown, d?: unknown) => void) => {
      this.opts.certFor(this.destination, ctx.hostname).then(
        (leaf) => cb(null, { certFileData: leaf.chainPem, keyFileData: leaf.key.privateKeyPem, hosts: [ctx.hostname] }),
        (err) => cb(err),
      );
    };
    this.proxy.onError((ctx, err, kind) => this.onProxyError(ctx as unknown as RequestCtx | null, err, kind));
    // Only our own hand-overs are CONNECTs; a client that tries the box as a proxy is refused,
    // or http-mitm-proxy would answer 200 and then hold the socket forever.
    this.proxy.onConnect((req, socket, _head, cb) => ((req as unknown as ConnectRequest).flow ? cb() : socket.destroy()));
    this.proxy.onRequest((ctx, cb) => this.onRequest(ctx as unknown as RequestCtx, cb));
    this.proxy.onWebSocketConnection((ctx, cb) => this.onWebSocketConnection(ctx as unknown as WebSocketCtx, cb));
    this.proxy.onWebSocketFrame((ctx, type, fromServer, data, flags, cb) => {
      if (type === 'message') this.onWebSocketMessage(ctx as unknown as WebSocketCtx, fromServer, data, !!flags);
      cb(null, data, flags);
    });
    return new Promise((resolve, reject) => {
      this.proxy.listen(
        {
          host: '127.0.0.1',
          port: 0,
          forceSNI: true,
          sslCaDir: this.opts.caDir,
          httpsAgent: this.httpsAgent,
          httpAgent: this.httpAgent,
        },
        ((err?: Error) => {
          if (err) return reject(err);
          this.watchClientHandshakes();
          resolve();
        }) as () => void,
      );
    });
  }

  /** The client side of the forged handshake: success, alerts, and refusals by silence. */
  private watchClientHandshakes(): void {
    const server = (this.proxy as unknown as { httpsServer: import('node:https').Server }).httpsServer;
    server.on('keylog', (line: Buffer) => this.opts.keylog.push(line.toString('latin1')));
    server.on('secureConnection', (tls: TLSSocket) => {
      const flow = this.flowOf(tls);
      if (!flow) return;
      flow.handshakeDone = true;
      this.opts.log.add({
        type: 'client-tls-ok',
        flow: flow.id,
        time: now(),
        protocol: tls.getProtocol(),
        cipher: tls.getCipher()?.standardName ?? null,
      });
    });
    server.on('tlsClientError', (err: Error & { code?: string }, tls: TLSSocket) => {
      const flow = this.flowOf(tls);
      if (!flow) return;
      this.recordClientFailure(flow, classifyHandshakeError(err), err.message);
    });
  }

  recordClientFailure(flow: Flow, failure: ClientTlsFailure, message: string): void {
    if (flow.failureRecorded) return;
    flow.failureRecorded = true;
    this.opts.log.add({ type: 'client-tls-failed', flow: flow.id, time: now(), failure, message });
  }

  private flowOf(tls: TLSSocket): Flow | undefined {
    const requests = (this.proxy as unknown as { connectRequests: Record<string, ConnectRequest> }).connectRequests;
    return requests[`${tls.remotePort}:${tls.localPort}`]?.flow;
  }

  private onRequest(ctx: RequestCtx, cb: (err?: Error) => void): void {
    const flow = ctx.connectRequest?.flow;
    if (!flow) return cb(new Error('request without a known flow'));
    flow.requests++;
    const req = ctx.clientToProxyRequest;
    const host = (req.headers.host ?? flow.sni ?? flow.destination.address).replace(/:\d+$/, '');
    const url = `${ctx.isSSL ? 'https' : 'http'}://${host}${req.url}`;
    const site = host;

    if (!ctx.isSSL) {
      const decision = decideHttp(this.opts.policy, host);
      if (decision.action === 'install-page') return this.sendToInstallPage(ctx, flow, url, site);
    }

    Object.assign(ctx.proxyToServerRequestOptions, {
      host: this.destination.address,
      port: this.destination.port,
      ...(ctx.isSSL ? { servername: (req.socket as TLSSocket).servername || host } : {}),
    });

    const started = Date.now();
    const exchange = this.newExchange(flow, req, url);
    const body: Buffer[] = [];
    ctx.onRequestData((_ctx, chunk, done) => {
      body.push(chunk);
      done(null, chunk);
    });
    ctx.onRequestEnd((_ctx, done) => {
      exchange.requestBody = Buffer.concat(body);
      this.capture(flow, site, capturesFromRequest({ method: exchange.method, url, headers: req.headers, body: exchange.requestBody }));
      done();
    });
    ctx.onResponse((_ctx, done) => {
      const res = ctx.serverToProxyResponse!;
      const firstByte = Date.now();
      exchange.waitMs = firstByte - started;
      exchange.status = res.statusCode ?? 0;
      exchange.statusText = res.statusMessage ?? '';
      exchange.responseHeaders = headerPairs(res.rawHeaders);
      this.capture(flow, site, capturesFromResponse({ status: exchange.status, headers: res.headers }));
      // The stream is paused by the proxy: listening does not start it, so the client still gets every byte.
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        exchange.responseBody = Buffer.concat(chunks);
        exchange.receiveMs = Date.now() - firstByte;
        const body = captureFromResponseBody({ status: exchange.status, headers: res.headers }, exchange.responseBody);
        if (body) this.capture(flow, site, [body]);
      });
      done();
    });
    cb();
  }

  /** Plain HTTP to a targeted name: the ISP answers itself, as Kazakh ISPs did with qca.kz. */
  private sendToInstallPage(ctx: RequestCtx, flow: Flow, url: string, site: string): void {
    const req = ctx.clientToProxyRequest;
    this.capture(flow, site, capturesFromRequest({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.alloc(0) }));
    const location = `http://${this.opts.policy.installPageHost}/?from=${encodeURIComponent(url)}`;
    this.opts.log.add({ type: 'install-page-redirect', flow: flow.id, time: now(), host: site, location });
    req.resume();
    const headers = { Location: location, 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' };
    const body = `<a href="${location}">Install the national security certificate</a>\n`;
    ctx.proxyToClientResponse.writeHead(302, headers);
    ctx.proxyToClientResponse.end(body);
    // The box's own answer belongs in the HAR too: it is part of what the subscriber got.
    this.newExchange(flow, req, url, { status: 302, statusText: 'Found', responseHeaders: Object.entries(headers), responseBody: Buffer.from(body) });
  }

  private onWebSocketConnection(ctx: WebSocketCtx, cb: (err?: Error) => void): void {
    const flow = ctx.connectRequest?.flow;
    if (!flow) return cb(new Error('WebSocket without a known flow'));
    flow.requests++;
    const upgrade = ctx.clientToProxyWebSocket.upgradeReq;
    const host = (upgrade.headers.host ?? flow.sni ?? '').replace(/:\d+$/, '');
    const scheme = ctx.isSSL ? 'wss' : 'ws';
    const url = `${scheme}://${host}${upgrade.url}`;
    ctx.proxyToServerWebSocketOptions.url = `${scheme}://${this.destination.address}:${this.destination.port}${upgrade.url}`;
    if (ctx.isSSL) ctx.proxyToServerWebSocketOptions.servername = (ctx.clientToProxyWebSocket._socket as TLSSocket).servername || host;
    ctx.startedMs = Date.now();
    ctx.exchange = this.newExchange(flow, upgrade, url.replace(/^ws/, 'http'), {
      status: 101,
      statusText: 'Switching Protocols',
      webSocketMessages: [],
    });
    this.capture(flow, host, capturesFromRequest({ method: 'GET', url, headers: upgrade.headers, body: Buffer.alloc(0) }));
    cb();
  }

  private onWebSocketMessage(ctx: WebSocketCtx, fromServer: boolean, data: Buffer | string, binary: boolean): void {
    const flow = ctx.connectRequest?.flow;
    if (!flow) return;
    const host = (ctx.clientToProxyWebSocket.upgradeReq.headers.host ?? '').replace(/:\d+$/, '');
    const captured = captureFromWebSocket(fromServer ? 'server' : 'client', data);
    this.capture(flow, host, [captured]);
    ctx.exchange?.webSocketMessages?.push({
      type: fromServer ? 'receive' : 'send',
      time: Date.now() / 1000,
      opcode: binary ? 2 : 1,
      data: binary ? Buffer.from(data).toString('base64') : data.toString(),
    });
  }

  /** A HAR exchange for a request the box read, recorded at once and filled in as it goes. */
  private newExchange(flow: Flow, req: IncomingMessage, url: string, fields: Partial<Exchange> = {}): Exchange {
    const exchange: Exchange = {
      flow: flow.id,
      line: flow.line,
      startedAt: new Date().toISOString(),
      serverAddress: this.destination.address,
      method: req.method ?? 'GET',
      url,
      httpVersion: req.httpVersion,
      requestHeaders: headerPairs(req.rawHeaders),
      requestBody: Buffer.alloc(0),
      status: 0,
      statusText: '',
      responseHeaders: [],
      responseBody: Buffer.alloc(0),
      waitMs: 0,
      receiveMs: 0,
      ...fields,
    };
    this.opts.exchanges.push(exchange);
    return exchange;
  }

  private onProxyError(ctx: RequestCtx | null, err: Error | null | undefined, kind?: string): void {
    const flow = ctx?.connectRequest?.flow;
    if (!flow || !err) return;
    if ((err as { code?: string }).code === 'ECONNRESET' && kind?.startsWith('CLIENT_TO_PROXY')) return;
    this.opts.log.add({ type: 'upstream-error', flow: flow.id, time: now(), message: `${kind}: ${err.message}` });
  }

  private capture(flow: Flow, site: string, items: Captured[]): void {
    const time = now();
    for (const c of items) this.opts.log.add({ type: 'capture', flow: flow.id, time, client: flow.client, line: flow.line, site, kind: c.kind, value: c.value });
  }
}

/** What a failed TLS handshake on the client side means (OpenSSL's alert texts). */
export function classifyHandshakeError(err: Error & { code?: string }): ClientTlsFailure {
  const text = `${err.code ?? ''} ${err.message}`.toLowerCase();
  if (/alert (unknown ca|bad certificate|certificate unknown|certificate revoked|unsupported certificate|certificate expired|access denied|decrypt error)|alert_unknown_ca|alert_bad_certificate|alert_certificate/.test(text)) {
    return 'cert-rejected';
  }
  if (/econnreset|socket hang up|disconnected before secure/.test(text)) return 'closed-during-handshake';
  return 'other';
}
