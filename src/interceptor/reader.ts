/**
 * What the box reads from an intercepted or plain-HTTP connection: every request, response and
 * WebSocket message becomes capture events (the report's kinds) and a HAR exchange. The
 * mechanism (mitm.ts) tells it what passed; it never touches a socket. Every request leaves a
 * record, finished or not: an aborted login is still a login the state read.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { captureFromResponseBody, captureFromWebSocket, capturesFromRequest, capturesFromResponse, type Captured } from './capture-rules.ts';
import { now } from './clock.ts';
import type { InterceptorEvent, RequestFailure } from './events.ts';
import { headerPairs, type Exchange } from './exports/exchange.ts';
import type { Flow } from './flow.ts';
import type { ReadsInFlight } from './reads-in-flight.ts';

/** Bodies kept for the HAR, per message: enough for any lab page; a large download is cut. */
const BODY_KEPT_BYTES = 256 * 1024;

export interface ReaderSinks {
  event(e: InterceptorEvent): void;
  exchange(x: Exchange): void;
  /** Told when each request begins and when the box has recorded its end. */
  reads: ReadsInFlight;
}

interface RequestHead {
  method: string;
  url: string;
  httpVersion: string;
  rawHeaders: string[];
  headers: IncomingHttpHeaders;
}

/** One request as the box reads it, from head to the end of the response (or its failure). */
export class ReadRequest {
  private readonly started = Date.now();
  private firstByte = 0;
  private readonly requestBody = new BoundedBody();
  private readonly responseBody = new BoundedBody();
  private responseHead: { status: number; statusText: string; rawHeaders: string[]; headers: IncomingHttpHeaders } | null = null;
  private requestRead = false;
  private finished = false;
  private readonly ended: () => void;

  constructor(
    private readonly sinks: ReaderSinks,
    readonly flow: Flow,
    readonly site: string,
    readonly url: string,
    private readonly head: RequestHead,
    private readonly serverAddress: string,
  ) {
    flow.requests++;
    this.ended = sinks.reads.begin();
  }

  requestData(chunk: Buffer): void {
    this.requestBody.add(chunk);
  }

  /** The whole request is in: what it carried is read. */
  requestEnd(): void {
    if (this.requestRead) return;
    this.requestRead = true;
    this.capture(capturesFromRequest({ method: this.head.method, url: this.url, headers: this.head.headers, body: this.requestBody.bytes() }));
  }

  response(status: number, statusText: string, rawHeaders: string[], headers: IncomingHttpHeaders): void {
    this.firstByte = Date.now();
    this.responseHead = { status, statusText, rawHeaders, headers };
    this.capture(capturesFromResponse({ status, headers }));
  }

  responseData(chunk: Buffer): void {
    this.responseBody.add(chunk);
  }

  responseEnd(): void {
    if (this.finished || !this.responseHead) return;
    this.finished = true;
    const body = captureFromResponseBody({ status: this.responseHead.status, headers: this.responseHead.headers }, this.responseBody.bytes());
    if (body) this.capture([body]);
    this.emitExchange(null);
    this.ended();
  }

  /** The box answered itself (the install page): that answer is part of what the subscriber got. */
  answeredByBox(status: number, statusText: string, headers: Array<[string, string]>, body: Buffer): void {
    this.requestEnd();
    this.finished = true;
    this.firstByte = Date.now();
    this.emitExchange(null, { status, statusText, responseHeaders: headers, responseBody: body });
    this.ended();
  }

  /** It ended without a complete response: what was read so far is recorded, and why it ended. */
  failed(failure: RequestFailure, message: string, status: number | null): void {
    if (this.finished) return;
    this.finished = true;
    this.requestEnd();
    this.sinks.event({ type: 'request-failed', flow: this.flow.id, time: now(), site: this.site, url: this.url, failure, status, message });
    this.emitExchange(failure);
    this.ended();
  }

  get done(): boolean {
    return this.finished;
  }

  private emitExchange(failure: RequestFailure | null, fields: Partial<Exchange> = {}): void {
    const end = Date.now();
    this.sinks.exchange({
      flow: this.flow.id,
      line: this.flow.line,
      startedAt: new Date(this.started).toISOString(),
      serverAddress: this.serverAddress,
      method: this.head.method,
      url: this.url,
      httpVersion: this.head.httpVersion,
      requestHeaders: headerPairs(this.head.rawHeaders),
      requestBody: this.requestBody.bytes(),
      status: this.responseHead?.status ?? 0,
      statusText: this.responseHead?.statusText ?? '',
      responseHeaders: headerPairs(this.responseHead?.rawHeaders ?? []),
      responseBody: this.responseBody.bytes(),
      waitMs: (this.firstByte || end) - this.started,
      receiveMs: this.firstByte ? end - this.firstByte : 0,
      ...(failure ? { error: failure } : {}),
      ...(this.requestBody.cut || this.responseBody.cut ? { truncated: true } : {}),
      ...fields,
    });
  }

  private capture(items: Captured[]): void {
    captureEvents(this.sinks, this.flow, this.site, items);
  }
}

/** One WebSocket session: the upgrade, then every message either way. */
export class ReadWebSocket {
  private readonly messages: NonNullable<Exchange['webSocketMessages']> = [];
  private readonly started = new Date().toISOString();
  private closed = false;

  constructor(
    private readonly sinks: ReaderSinks,
    private readonly flow: Flow,
    private readonly site: string,
    private readonly url: string,
    private readonly head: RequestHead,
    private readonly serverAddress: string,
  ) {
    flow.requests++;
    captureEvents(sinks, flow, site, capturesFromRequest({ method: 'GET', url, headers: head.headers, body: Buffer.alloc(0) }));
  }

  message(fromServer: boolean, data: Buffer | string, binary: boolean): void {
    captureEvents(this.sinks, this.flow, this.site, [captureFromWebSocket(fromServer ? 'server' : 'client', data)]);
    // The HAR keeps the most recent messages of a long session, not all of them.
    if (this.messages.length >= 1000) this.messages.shift();
    this.messages.push({
      type: fromServer ? 'receive' : 'send',
      time: Date.now() / 1000,
      opcode: binary ? 2 : 1,
      data: binary ? Buffer.from(data).toString('base64') : data.toString(),
    });
  }

  /** The session ended: its exchange, with the messages, goes to the HAR. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sinks.exchange({
      flow: this.flow.id,
      line: this.flow.line,
      startedAt: this.started,
      serverAddress: this.serverAddress,
      method: 'GET',
      url: this.url.replace(/^ws/, 'http'),
      httpVersion: this.head.httpVersion,
      requestHeaders: headerPairs(this.head.rawHeaders),
      requestBody: Buffer.alloc(0),
      status: 101,
      statusText: 'Switching Protocols',
      responseHeaders: [],
      responseBody: Buffer.alloc(0),
      waitMs: 0,
      receiveMs: 0,
      webSocketMessages: this.messages,
    });
  }
}

function captureEvents(sinks: ReaderSinks, flow: Flow, site: string, items: Captured[]): void {
  const time = now();
  for (const c of items) sinks.event({ type: 'capture', flow: flow.id, time, client: flow.client, line: flow.line, site, kind: c.kind, value: c.value });
}

/** A body kept up to BODY_KEPT_BYTES; the rest is counted, not stored. */
class BoundedBody {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  cut = false;

  add(chunk: Buffer): void {
    const room = BODY_KEPT_BYTES - this.kept;
    if (room <= 0) {
      this.cut = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.cut = true;
    this.chunks.push(part);
    this.kept += part.length;
  }

  bytes(): Buffer {
    const [only] = this.chunks;
    return this.chunks.length === 1 && only ? only : Buffer.concat(this.chunks);
  }
}
