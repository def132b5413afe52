/**
 * The deadlines a client connection handed to the proxy lives under (timeouts.ts): a whole
 * request head within requestHeadMs whenever one is due, and no pause longer than
 * requestBodyIdleMs in a request body. A client that drips or stalls is dropped, with why.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Flow } from './flow.ts';
import type { BoxTimeouts } from './timeouts.ts';

export class ClientDeadlines {
  /** The request-head deadline, armed whenever a request is due. */
  private headTimer: NodeJS.Timeout | null = null;
  /** A request body is due: the socket's idle timeout is armed for it. */
  private bodyDue = false;
  private upgraded = false;

  constructor(
    readonly flow: Flow,
    private readonly socket: Socket,
    private readonly timeouts: BoxTimeouts,
    private readonly onDropped: (flow: Flow, reason: string) => void,
  ) {
    this.armHeadDeadline();
    socket.once('close', () => this.disarm());
    // One idle listener for the socket's life (armed only while a request body is due): one per
    // request would pile up on a keep-alive connection, each holding its request.
    socket.on('timeout', () => {
      if (!this.bodyDue) return;
      onDropped(flow, `no byte of the request body for ${timeouts.requestBodyIdleMs} ms`);
      socket.destroy();
    });
  }

  /** A request head arrived: its body is due now, and the next head once this answer is sent. */
  requestHead(req: IncomingMessage, res: ServerResponse): void {
    this.disarm();
    this.bodyDue = true;
    req.socket.setTimeout(this.timeouts.requestBodyIdleMs);
    req.once('end', () => {
      this.bodyDue = false;
      req.socket.setTimeout(0);
    });
    res.once('finish', () => !this.upgraded && !req.socket.destroyed && this.armHeadDeadline());
  }

  /** The connection became a WebSocket: no request head is due on it again. */
  upgrade(): void {
    this.disarm();
    this.upgraded = true;
  }

  private armHeadDeadline(): void {
    this.disarm();
    this.headTimer = setTimeout(() => {
      this.onDropped(this.flow, `no complete request within ${this.timeouts.requestHeadMs} ms`);
      this.socket.destroy();
    }, this.timeouts.requestHeadMs);
  }

  private disarm(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = null;
  }
}
