/**
 * The one adapter around http-mitm-proxy (the only file that imports it). The box hands it
 * connections it has already accepted: plain HTTP as they are, TLS once the box has ended the
 * client's handshake itself with the forged certificate (client-tls.ts). The proxy parses every
 * request, forwards it to the original destination over pooled keep-alive connections, and
 * relays WebSockets; the reader (reader.ts) records what passed.
 *
 * What this adapter adds to the library (each a bug found here or a known pitfall of the library):
 * - its listeners are closed as soon as it starts: nothing can reach it but the box's own
 *   hand-overs (a WebSocket upgrade sent straight to its port crashed it with a TypeError);
 * - every failure answers the client honestly: 502 or 504 with a lab page before a response
 *   has begun, a cut connection after (the library appends its error text to the body, so a
 *   truncated reply looked complete), and never a second answer (an upstream answering after
 *   the client left crashed the process with ERR_HTTP_HEADERS_SENT);
 * - every wait has a deadline (timeouts.ts), and a client gone aborts its upstream request.
 */
import { Agent as HttpAgent, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Proxy, type IContext } from 'http-mitm-proxy';
import { sendGatewayPage, gatewayStatus, type GatewayFailure } from './error-page.ts';
import type { RequestFailure } from './events.ts';
import type { Flow } from './flow.ts';
import type { BoxAnswer } from './policy.ts';
import { silenceHttpMitmProxyConsole } from './quiet-library-console.ts';
import { ReadRequest, type ReaderSinks } from './reader.ts';
import { WebSocketRelay } from './websocket-relay.ts';
import type { BoxTimeouts } from './timeouts.ts';
import type { Endpoint } from './events.ts';
import { UpstreamPool } from './upstream-pool.ts';
import { ClientDeadlines } from './client-deadlines.ts';
import { defaultHost, hostName, passedHeaders } from './http-headers.ts';
import { originFailure } from './request-failure.ts';
import { deviceContext, type UpstreamCertificate } from './upstream-probe.ts';

interface MitmOptions {
  caDir: string;
  webRoots: string[];
  validatesUpstream: boolean;
  timeouts: BoxTimeouts;
  sinks: ReaderSinks;
  onKeylog: (line: Buffer) => void;
  /** The box dropped a client that did not finish its request in time (timeouts.ts). */
  onDropped: (flow: Flow, reason: string) => void;
  /**
   * Plain HTTP: the box's own answer to this request instead of forwarding it (the install
   * page), or null to forward it. Policy, asked by the mechanism.
   */
  boxAnswer(flow: Flow, host: string, url: string): BoxAnswer | null;
}

/** What the adapter keeps per request. */
interface Pending {
  ctx: IContext;
  read: ReadRequest;
  timer: NodeJS.Timeout | null;
  timedOut: boolean;
}

export class MitmEngine {
  private readonly proxy = new Proxy();
  private readonly connections = new WeakMap<Socket, ClientDeadlines>();
  private readonly pending = new WeakMap<IContext, Pending>();
  private readonly webSockets: WebSocketRelay;
  private readonly httpsAgent: UpstreamPool;
  private readonly httpAgent: HttpAgent;
  private httpServer!: HttpServer;
  private httpsServer!: HttpServer;

  private constructor(private readonly opts: MitmOptions) {
    silenceHttpMitmProxyConsole();
    // One pool per destination and SNI (Node's agent keys its free sockets by both), reused
    // across requests and subscribers, with TLS sessions resumed upstream. Capped, as nginx's
    // upstream keepalive is: past 128 connections a request waits for a free one, rather than
    // open (and soon close) a new TLS connection for every request of a burst.
    const pool = { keepAlive: true, maxSockets: 128, maxFreeSockets: 128, scheduling: 'lifo' as const, timeout: opts.timeouts.upstreamIdleMs };
    this.httpsAgent = new UpstreamPool(
      { ...pool, secureContext: deviceContext(opts.webRoots), rejectUnauthorized: opts.validatesUpstream },
      opts.validatesUpstream,
      opts.onKeylog,
    );
    this.httpAgent = new HttpAgent(pool);
    this.webSockets = new WebSocketRelay(opts.sinks, (socket) => this.connections.get(socket)?.flow);
  }

  static async start(opts: MitmOptions): Promise<MitmEngine> {
    const engine = new MitmEngine(opts);
    await engine.listen();
    return engine;
  }

  /** A client whose TLS the box has ended with a forged certificate. */
  takeTls(flow: Flow, tls: TLSSocket): void {
    this.connections.set(tls, new ClientDeadlines(flow, tls, this.opts.timeouts, this.opts.onDropped));
    this.httpsServer.emit('secureConnection', tls);
  }

  /** What the device's own look at a real server found, for the pool under that name (upstream-pool.ts). */
  addLook(destination: Endpoint, servername: string, look: UpstreamCertificate): void {
    this.httpsAgent.addLook(destination, servername, look);
  }

  /** A plain-HTTP client; `head` is what was read to see that it is HTTP. */
  takePlain(flow: Flow, socket: Socket, head: Buffer): void {
    socket.unshift(head);
    this.connections.set(socket, new ClientDeadlines(flow, socket, this.opts.timeouts, this.opts.onDropped));
    this.httpServer.emit('connection', socket);
    socket.resume();
  }

  close(): void {
    this.webSockets.closeAll();
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
    this.httpServer?.closeAllConnections();
    this.httpsServer?.closeAllConnections();
  }

  private listen(): Promise<void> {
    this.proxy.onCertificateRequired = (_hostname, cb) => cb(new Error('the box ends client TLS itself'), { keyFile: '', certFile: '' });
    this.proxy.onError((ctx, err, kind) => this.onError(ctx, err ?? null, kind ?? ''));
    // Nothing reaches the proxy but the box's own hand-overs, which are never CONNECTs: a
    // client that tries the box as a proxy is refused (the library would answer 200 and hold it).
    this.proxy.onConnect((_req, socket) => socket.destroy());
    this.proxy.onRequest((ctx, cb) => this.onRequest(ctx, cb));
    this.proxy.onResponse((ctx, cb) => this.onResponse(ctx, cb));
    this.proxy.onWebSocketConnection((ctx, cb) => {
      // The library keeps the upgrade request on its ws object (http-mitm-proxy 1.1.0, lib/proxy.js).
      const upgrade = (ctx.clientToProxyWebSocket as unknown as { upgradeReq: IncomingMessage }).upgradeReq;
      const target = this.webSockets.connection(ctx, upgrade, ctx.isSSL);
      if (!target) return cb(new Error('a WebSocket the box was not handed'));
      Object.assign(ctx.proxyToServerWebSocketOptions!, target);
      cb();
    });
    // ws hands its 'message' data over as a Buffer (binaryType 'nodebuffer', its default).
    this.proxy.onWebSocketFrame((ctx, type, fromServer, data: Buffer, flags, cb) => {
      if (type === 'message') this.webSockets.message(ctx, fromServer, data, !!flags);
      cb(null, data, flags);
    });
    this.proxy.onWebSocketClose((ctx, _code, _message, cb) => {
      this.webSockets.closed(ctx);
      cb(null);
    });
    // The origin refused the WebSocket: the client's side (already upgraded by the library) is
    // dropped at once, rather than left in a close handshake nobody will finish.
    this.proxy.onWebSocketError((ctx) => {
      if (ctx.proxyToServerWebSocket?.readyState !== 1) ctx.clientToProxyWebSocket?.terminate();
    });
    return new Promise((resolve, reject) => {
      this.proxy.listen(
        { host: '127.0.0.1', port: 0, forceSNI: true, keepAlive: true, sslCaDir: this.opts.caDir, httpsAgent: this.httpsAgent, httpAgent: this.httpAgent },
        (err) => {
          if (err) return reject(err);
          this.httpServer = this.proxy.httpServer!;
          this.httpsServer = this.proxy.httpsServer as unknown as HttpServer;
          for (const server of [this.httpServer, this.httpsServer]) {
            // Stop listening at once: the servers only parse what the box hands them.
            server.close();
            // Node's own keep-alive timer stays behind the head deadline, which names the reason.
            server.keepAliveTimeout = this.opts.timeouts.requestHeadMs + 1_000;
            server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => this.onRequestHead(req, res));
            server.prependListener('upgrade', (req: IncomingMessage) => this.onUpgradeHead(req));
            // Malformed HTTP: the library logs it and leaves the socket open; answer and close.
            server.on('clientError', (_err: Error, socket: Socket) => {
              if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
              socket.destroy();
            });
          }
          resolve();
        },
      );
    });
  }

  /** Before the library sees a request: the head deadline is met, and the Host is the box's to know. */
  private onRequestHead(req: IncomingMessage, res: ServerResponse): void {
    const c = this.connections.get(req.socket);
    if (!c) return;
    req.headers.host ??= defaultHost(c.flow);
    c.requestHead(req, res);
  }

  private onUpgradeHead(req: IncomingMessage): void {
    const c = this.connections.get(req.socket);
    if (!c) return;
    req.headers.host ??= defaultHost(c.flow);
    c.upgrade();
  }

  private onRequest(ctx: IContext, cb: (err?: Error) => void): void {
    const req = ctx.clientToProxyRequest;
    const res = ctx.proxyToClientResponse;
    const c = this.connections.get(req.socket);
    if (!c) {
      res.destroy();
      return;
    }
    const flow = c.flow;
    const host = hostName(req.headers.host) ?? defaultHost(flow);
    const url = `${ctx.isSSL ? 'https' : 'http'}://${host}${req.url}`;
    const head = { method: req.method ?? 'GET', url, httpVersion: req.httpVersion, rawHeaders: req.rawHeaders, headers: req.headers };
    const read = new ReadRequest(this.opts.sinks, flow, host, url, head, flow.destination.address);
    const p: Pending = { ctx, read, timer: null, timedOut: false };
    this.pending.set(ctx, p);

    if (!ctx.isSSL) {
      const answer = this.opts.boxAnswer(flow, host, url);
      if (answer) {
        req.resume();
        res.writeHead(answer.status, answer.statusText, answer.headers);
        res.end(answer.body);
        read.answeredByBox(answer.status, answer.statusText, Object.entries(answer.headers), Buffer.from(answer.body));
        return;
      }
    }

    // The request goes on with its headers as the client wrote them (names, case, order): the
    // device did not modify what it relayed (Raman et al.). Only what HTTP makes hop-by-hop
    // goes (RFC 9110 7.6.1), and a Host the box knows is added when the client sent none.
    const passed = passedHeaders(req.rawHeaders, /^proxy-/i);
    if (!req.rawHeaders.some((_, i) => i % 2 === 0 && /^host$/i.test(req.rawHeaders[i]!))) passed.unshift('Host', req.headers.host!);
    (ctx.proxyToServerRequestOptions as { headers: unknown }).headers = passed;
    const servername = ctx.isSSL ? (req.socket as TLSSocket).servername || host : null;
    Object.assign(ctx.proxyToServerRequestOptions!, {
      host: flow.destination.address,
      port: flow.destination.port,
      ...(servername ? { servername } : {}),
    });
    ctx.onRequestData((_ctx, chunk, done) => {
      read.requestData(chunk);
      done(null, chunk);
    });
    ctx.onRequestEnd((_ctx, done) => {
      read.requestEnd();
      done();
    });
    // The client gone before its answer is complete: its upstream request is abandoned too, so
    // that no late answer comes back to a response that no longer exists.
    res.once('close', () => {
      if (res.writableFinished) return;
      this.fail(ctx, 'client-gone', 'the client closed the connection before the answer was complete');
    });
    this.watchUpstream(p, this.opts.timeouts.upstreamResponseMs);
    cb();
  }

  private onResponse(ctx: IContext, cb: (err?: Error) => void): void {
    const p = this.pending.get(ctx);
    const up = ctx.serverToProxyResponse!;
    const res = ctx.proxyToClientResponse;
    if (!p || p.read.done || res.destroyed || res.headersSent) {
      // Nobody is waiting for this answer any more: drop it, never write a second answer.
      up.destroy();
      return;
    }
    const read = p.read;
    read.response(up.statusCode ?? 0, up.statusMessage ?? '', up.rawHeaders, up.headers);
    // The answer's headers as the origin wrote them (the library would lower-case and
    // re-order them, and drop some): a header diff must not reveal the box. The connection
    // to the client is the box's own to keep or close.
    const passed = passedHeaders(up.rawHeaders);
    // Bound to res: the library always calls it as res.writeHead(...).
    const writeHead = res.writeHead.bind(res);
    res.writeHead = (status: number) => writeHead(status, up.statusMessage ?? '', passed);
    this.watchUpstream(p, this.opts.timeouts.upstreamIdleMs);
    // The stream is paused by the proxy: listening does not start it, so the client still gets every byte.
    up.on('data', (chunk: Buffer) => {
      read.responseData(chunk);
      this.watchUpstream(p, this.opts.timeouts.upstreamIdleMs);
    });
    up.once('end', () => {
      this.stopWatching(p);
      read.responseEnd();
    });
    cb();
  }

  /** The origin must answer (or keep sending) within `ms`, or the upstream request is aborted. */
  private watchUpstream(p: Pending, ms: number): void {
    this.stopWatching(p);
    p.timer = setTimeout(() => {
      p.timedOut = true;
      abortUpstream(p);
    }, ms);
  }

  private stopWatching(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
  }

  /**
   * Called by the library before it writes its own 504 with its error text: the box answers
   * first (so the library's answer is skipped), or cuts the connection when a response had
   * already begun, so that the client can see it is truncated.
   */
  private onError(ctx: IContext | null, err: Error | null, kind: string): void {
    if (!ctx?.proxyToClientResponse) return;
    const p = this.pending.get(ctx);
    const code = (err as { code?: string } | null)?.code ?? '';
    if (kind.startsWith('CLIENT_TO_PROXY') || kind.startsWith('PROXY_TO_CLIENT')) {
      return this.fail(ctx, 'client-gone', err?.message ?? kind);
    }
    this.fail(ctx, originFailure(kind, code, err?.message ?? '', !!p?.timedOut), `${kind}: ${err?.message ?? 'unknown error'}`);
  }

  private fail(ctx: IContext, failure: RequestFailure, message: string): void {
    const p = this.pending.get(ctx);
    if (p) this.stopWatching(p);
    if (p?.read.done) return;
    const res = ctx.proxyToClientResponse;
    const site = p?.read.site ?? 'the site';
    let status: number | null = null;
    if (failure === 'client-gone') {
      if (p) abortUpstream(p);
      res.destroy();
    } else if (sendGatewayPage(res, failure as GatewayFailure, site)) {
      status = gatewayStatus(failure as GatewayFailure);
    } else {
      // The response had begun: cut it, so the client sees a truncated answer, not a complete one.
      res.destroy();
    }
    p?.read.failed(failure, message, status);
  }
}

/** Give up on the origin's answer: the library then reports an error on this request, once. */
function abortUpstream(p: Pending): void {
  const err = Object.assign(new Error(p.timedOut ? 'the origin did not answer in time' : 'the client has gone'), { code: 'ABORT_ERR' });
  p.ctx.serverToProxyResponse?.destroy(err);
  p.ctx.proxyToServerRequest?.destroy(err);
}
