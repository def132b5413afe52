/**
 * The WebSockets the box relays through http-mitm-proxy (mitm.ts hands it the library's
 * callbacks): each upgrade on a connection the box was handed goes on to the original
 * destination, and every message either way is read (reader.ts, ReadWebSocket).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { IWebSocketContext } from 'http-mitm-proxy';
import type { Flow } from './flow.ts';
import { defaultHost, hostName } from './http-headers.ts';
import { ReadWebSocket, type ReaderSinks } from './reader.ts';

/** The library's context, with the reader this relay keeps on it. */
type WebSocketCtx = IWebSocketContext & { read?: ReadWebSocket };

export class WebSocketRelay {
  private readonly open = new Set<ReadWebSocket>();

  constructor(
    private readonly sinks: ReaderSinks,
    /** The flow of a socket the box handed over, or undefined for one it did not. */
    private readonly flowOf: (socket: Socket) => Flow | undefined,
  ) {}

  /** An upgrade: aimed at the original destination under the name the client asked for. */
  connection(ctx: IWebSocketContext, cb: (err?: Error) => void): void {
    const client = ctx.clientToProxyWebSocket!;
    // The library keeps the upgrade request on its ws object (http-mitm-proxy 1.1.0, lib/proxy.js).
    const upgrade = (client as unknown as { upgradeReq: IncomingMessage }).upgradeReq;
    const flow = this.flowOf(upgrade.socket);
    if (!flow) return cb(new Error('a WebSocket the box was not handed'));
    const host = hostName(upgrade.headers.host) ?? defaultHost(flow);
    const scheme = ctx.isSSL ? 'wss' : 'ws';
    const url = `${scheme}://${host}${upgrade.url}`;
    const options = ctx.proxyToServerWebSocketOptions!;
    options.url = `${scheme}://${flow.destination.address}:${flow.destination.port}${upgrade.url}`;
    if (ctx.isSSL) Object.assign(options, { servername: (upgrade.socket as TLSSocket).servername || host });
    const ws = new ReadWebSocket(
      this.sinks,
      flow,
      host,
      url,
      { method: 'GET', url, httpVersion: upgrade.httpVersion, rawHeaders: upgrade.rawHeaders, headers: upgrade.headers },
      flow.destination.address,
    );
    (ctx as WebSocketCtx).read = ws;
    this.open.add(ws);
    cb();
  }

  message(ctx: IWebSocketContext, fromServer: boolean, data: Buffer, binary: boolean): void {
    (ctx as WebSocketCtx).read?.message(fromServer, data, binary);
  }

  closed(ctx: IWebSocketContext): void {
    const ws = (ctx as WebSocketCtx).read;
    if (!ws) return;
    ws.close();
    this.open.delete(ws);
  }

  /**
   * The origin refused the WebSocket: the client's side (already upgraded by the library) is
   * dropped at once, rather than left in a close handshake nobody will finish.
   */
  failed(ctx: IWebSocketContext): void {
    if (ctx.proxyToServerWebSocket?.readyState !== 1) ctx.clientToProxyWebSocket?.terminate();
  }

  /** The box stops: every session still open goes to the records as it stands. */
  closeAll(): void {
    for (const ws of this.open) ws.close();
    this.open.clear();
  }
}
