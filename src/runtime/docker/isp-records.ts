/**
 * Follows what the ISP container records (container/isp.ts) in the lab's state folder: its
 * events, the exchanges it read in full, and TLS key log lines.
 */
import { existsSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { InterceptorEvent } from '../../interceptor/events.ts';
import type { Exchange } from '../../interceptor/exports/exchange.ts';
import type { IspRecord } from './container/isp.ts';

const reviveBuffers = (_key: string, value: unknown) =>
  value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)
    ? Buffer.from((value as { data: number[] }).data)
    : value;

export class IspRecords {
  readonly events: InterceptorEvent[] = [];
  readonly exchanges: Exchange[] = [];
  readonly keylog: string[] = [];
  private readonly listeners = new Set<(e: InterceptorEvent) => void>();
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private lastGrowth = Date.now();

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
      this.lastGrowth = Date.now();
      const lines = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) if (line) this.take(JSON.parse(line, reviveBuffers) as IspRecord);
    } finally {
      closeSync(fd);
    }
  }

  /** Resolves once nothing new was recorded for `quietMs` (at most `maxMs`). */
  async settle(quietMs = 150, maxMs = 2_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    this.read();
    while (Date.now() - this.lastGrowth < quietMs && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      this.read();
    }
  }

  private take(r: IspRecord): void {
    if (r.t === 'event') {
      const e = r.e as InterceptorEvent;
      this.events.push(e);
      for (const l of this.listeners) l(e);
    } else if (r.t === 'exchange') this.exchanges.push(r.x as Exchange);
    else this.keylog.push(r.line);
  }
}
