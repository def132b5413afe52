/**
 * The WebSockets the box relays (mitm.ts, the adapter, turns http-mitm-proxy's callbacks into
 * these calls): each upgrade on a connection the box was handed goes on to the original
 * destination, and every message either way is read (reader.ts, ReadWebSocket). Sessions are
 * keyed by whatever object the adapter has per WebSocket (the library's context).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Flow } from './flow.ts';
import { defaultHost, hostName } from './http-headers.ts';
import { ReadWebSocket, type ReaderSinks } from './reader.ts';

/** Where the relay's upstream WebSocket must go: the original destination, under the client's name. */
interface WebSocketTarget {
  url: string;
  servername?: string;
}

export class WebSocketRelay {
  private readonly sessions = new WeakMap<object, ReadWebSocket>();
  private readonly open = new Set<ReadWebSocket>();

  constructor(
    private readonly sinks: ReaderSinks,
    /** The flow of a socket the box handed over, or undefined for one it did not. */
    private readonly flowOf: (socket: Socket) => Flow | undefined,
  ) {}

  /** An upgrade request: where its upstream goes, or null for a socket the box was not handed. */
  connection(key: object, upgrade: IncomingMessage, secure: boolean): WebSocketTarget | null {
    const flow = this.flowOf(upgrade.socket);
    if (!flow) return null;
    const host = hostName(upgrade.headers.host) ?? defaultHost(flow);
    const scheme = secure ? 'wss' : 'ws';
    const url = `${scheme}://${host}${upgrade.url}`;
    const ws = new ReadWebSocket(
      this.sinks,
      flow,
      host,
      url,
      { method: 'GET', url, httpVersion: upgrade.httpVersion, rawHeaders: upgrade.rawHeaders, headers: upgrade.headers },
      flow.destination.address,
    );
    this.sessions.set(key, ws);
    this.open.add(ws);
    return {
      url: `${scheme}://${flow.destination.address}:${flow.destination.port}${upgrade.url}`,
      ...(secure ? { servername: (upgrade.socket as TLSSocket).servername || host } : {}),
    };
  }

  message(key: object, fromServer: boolean, data: Buffer, binary: boolean): void {
    this.sessions.get(key)?.message(fromServer, data, binary);
  }

  closed(key: object): void {
    const ws = this.sessions.get(key);
    if (!ws) return;
    ws.close();
    this.open.delete(ws);
    this.sessions.delete(key);
  }

  /** The box stops: every session still open goes to the records as it stands. */
  closeAll(): void {
    for (const ws of this.open) ws.close();
    this.open.clear();
  }
}
