/**
 * Everything the box records, streamed to append-only files in the lab's state folder and kept
 * in memory only as a bounded window for the live views. A lab left up all day, or a soak of a
 * million requests, holds the same memory as one of a minute; nothing is lost, because the
 * files hold all of it (events.jsonl, exchanges.jsonl, keylog.txt, mode 0600: they hold what
 * the state read, and the keys of every session).
 *
 * Writes are batched per turn of the event loop (one write() for many records, not one each),
 * and flushed before anything reads the files back.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { InterceptorEvent } from './events.ts';
import { decodeExchange, encodeExchange, type Exchange } from './exports/exchange.ts';
import { Ring } from './ring.ts';

interface RecordsOptions {
  /** Folder for the files; without one, only the window is kept (unit tests, a throw-away box). */
  dir?: string;
  /** How many of the most recent events stay in memory (default 10,000). */
  eventWindow?: number;
  /** How many of the most recent exchanges stay in memory (default 200). */
  exchangeWindow?: number;
}

export class BoxRecords {
  private readonly emitter = new EventEmitter();
  private readonly recentEvents: Ring<InterceptorEvent>;
  private readonly recentExchanges: Ring<Exchange>;
  private readonly recentKeylog = new Ring<string>(2_000);
  private readonly files: { events: string; exchanges: string; keylog: string } | null;
  private readonly fds = new Map<string, number>();
  private readonly pending = new Map<string, string[]>();
  private flushScheduled = false;
  private counts = { events: 0, exchanges: 0, keylog: 0 };
  private closed = false;

  constructor(opts: RecordsOptions = {}) {
    this.recentEvents = new Ring(opts.eventWindow ?? 10_000);
    this.recentExchanges = new Ring(opts.exchangeWindow ?? 200);
    this.emitter.setMaxListeners(0);
    if (opts.dir) {
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
      this.files = { events: join(opts.dir, 'events.jsonl'), exchanges: join(opts.dir, 'exchanges.jsonl'), keylog: join(opts.dir, 'keylog.txt') };
    } else {
      this.files = null;
    }
  }

  event(e: InterceptorEvent): void {
    this.counts.events++;
    this.recentEvents.push(e);
    this.append('events', JSON.stringify(e));
    this.emitter.emit('event', e);
  }

  exchange(x: Exchange): void {
    this.counts.exchanges++;
    this.recentExchanges.push(x);
    this.append('exchanges', JSON.stringify(encodeExchange(x)));
    this.emitter.emit('exchange', x);
  }

  keylog(line: string): void {
    this.counts.keylog++;
    this.recentKeylog.push(line);
    this.append('keylog', line.endsWith('\n') ? line.slice(0, -1) : line);
    this.emitter.emit('keylog', line);
  }

  onEvent(listener: (e: InterceptorEvent) => void): () => void {
    return this.on('event', listener);
  }

  onExchange(listener: (x: Exchange) => void): () => void {
    return this.on('exchange', listener);
  }

  onKeylog(listener: (line: string) => void): () => void {
    return this.on('keylog', listener);
  }

  /** How many of each were recorded since the box started (the window may hold fewer). */
  get totals(): { events: number; exchanges: number; keylog: number } {
    return { ...this.counts };
  }

  /** The last events, at most the window. */
  recent(): InterceptorEvent[] {
    return this.recentEvents.items();
  }

  /** Every event since the box started: from the file when there is one (the window may have moved on). */
  allEvents(): InterceptorEvent[] {
    if (!this.files || this.counts.events <= this.recentEvents.length) return this.recent();
    return this.readBack('events', (line) => JSON.parse(line) as InterceptorEvent);
  }

  allExchanges(): Exchange[] {
    if (!this.files || this.counts.exchanges <= this.recentExchanges.length) return this.recentExchanges.items();
    return this.readBack('exchanges', (line) => decodeExchange(JSON.parse(line) as Record<string, unknown>));
  }

  allKeylog(): string[] {
    if (!this.files || this.counts.keylog <= this.recentKeylog.length) return this.recentKeylog.items();
    return this.readBack('keylog', (line) => line + '\n');
  }

  /** Write out what is pending; the files are complete after this. */
  flush(): void {
    this.flushScheduled = false;
    for (const [kind, lines] of this.pending) {
      if (lines.length === 0) continue;
      writeSync(this.fd(kind), lines.join('\n') + '\n');
      lines.length = 0;
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.emitter.removeAllListeners();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private on(name: string, listener: (...args: any[]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  private append(kind: 'events' | 'exchanges' | 'keylog', line: string): void {
    if (!this.files || this.closed) return;
    let lines = this.pending.get(kind);
    if (!lines) this.pending.set(kind, (lines = []));
    lines.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private fd(kind: string): number {
    let fd = this.fds.get(kind);
    if (fd === undefined) {
      fd = openSync(this.files![kind as keyof typeof this.files], 'a', 0o600);
      this.fds.set(kind, fd);
    }
    return fd;
  }

  private readBack<T>(kind: 'events' | 'exchanges' | 'keylog', parse: (line: string) => T): T[] {
    this.flush();
    const file = this.files![kind];
    if (!existsSync(file)) return [];
    const out: T[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line) out.push(parse(line));
    return out;
  }
}
