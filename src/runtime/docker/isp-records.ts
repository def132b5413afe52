/**
 * Follows what the ISP container records (container/isp.ts) in the lab's state folder: its
 * events, the exchanges it read in full, and TLS key log lines. Like the box's own records
 * (interceptor/records.ts), only a window of each is kept in memory; the file holds all of it.
 */
import { existsSync, openSync, readFileSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { InterceptorEvent } from '../../interceptor/events.ts';
import { decodeExchange, type Exchange } from '../../interceptor/exports/exchange.ts';
import { Ring } from '../../interceptor/ring.ts';
import type { IspRecord } from './container/isp.ts';

export class IspRecords {
  private readonly events = new Ring<InterceptorEvent>(10_000);
  private readonly exchanges = new Ring<Exchange>(200);
  private readonly keylog = new Ring<string>(2_000);
  private readonly counts = { event: 0, exchange: 0, keylog: 0, busy: 0 };
  /** The box's last word on whether it is still reading a request (its 'busy' records). */
  private busy = false;
  private readonly listeners = new Set<(e: InterceptorEvent) => void>();
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {}

  /** Polls until stop(); like the local runtime's servers, a running lab keeps the process alive. */
  start(intervalMs = 50): void {
    this.timer = setInterval(() => this.read(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.read();
  }

  onEvent(listener: (e: InterceptorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads what was appended since the last read. */
  read(): void {
    if (!existsSync(this.file)) return;
    const fd = openSync(this.file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) if (line) this.take(JSON.parse(line) as IspRecord);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Takes in what the box has written so far, with no wait: the box appends each record the
   * moment it happens (container/isp.ts, appendFileSync), and all an outcome rests on (the
   * connection and the box's decision at the ClientHello, what it read from the request) is
   * written before the client can have its answer. Later records (a close, an exchange at its
   * end) are read with the next read; the report reads again at its end.
   */
  catchUp(): void {
    this.read();
  }

  /**
   * Resolves once the box's last record says it is reading nothing (the box writes 'busy'
   * records as it starts and finishes), or after `limitMs`. The file is looked at again every
   * few milliseconds while the box is busy: the condition is the box's, the poll only notices it.
   */
  async settled(limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    this.read();
    while (this.busy && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      this.read();
    }
  }

  /** Every event so far (from the file once the window has moved on). */
  allEvents(): InterceptorEvent[] {
    this.read();
    return this.counts.event <= this.events.length ? this.events.items() : this.readBack('event', (r) => r.e as InterceptorEvent);
  }

  allExchanges(): Exchange[] {
    this.read();
    return this.counts.exchange <= this.exchanges.length
      ? this.exchanges.items()
      : this.readBack('exchange', (r) => decodeExchange(r.x as Record<string, unknown>));
  }

  allKeylog(): string[] {
    this.read();
    return this.counts.keylog <= this.keylog.length ? this.keylog.items() : this.readBack('keylog', (r) => r.line);
  }

  private readBack<K extends IspRecord['t'], T>(kind: K, pick: (r: Extract<IspRecord, { t: K }>) => T): T[] {
    const out: T[] = [];
    const lines = readFileSync(this.file, 'utf8').split('\n');
    // The last piece is empty, or a line still being written: only whole lines count.
    lines.pop();
    for (const line of lines) {
      if (!line) continue;
      const r = JSON.parse(line) as IspRecord;
      if (r.t === kind) out.push(pick(r as Extract<IspRecord, { t: K }>));
    }
    return out;
  }

  private take(r: IspRecord): void {
    this.counts[r.t]++;
    if (r.t === 'event') {
      const e = r.e as InterceptorEvent;
      this.events.push(e);
      for (const l of this.listeners) l(e);
    } else if (r.t === 'exchange') this.exchanges.push(decodeExchange(r.x as Record<string, unknown>));
    else if (r.t === 'busy') this.busy = r.busy;
    else this.keylog.push(r.line);
  }
}
