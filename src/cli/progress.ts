/**
 * What a long command is doing, on stderr: on a terminal one line that keeps itself current
 * (log-update), elsewhere (a CI log) one plain line per finished step. Never on stdout, which
 * holds the report.
 */
import { createLogUpdate } from 'log-update';

interface Progress {
  /** A step started: `label` names it, `total` clients will take it. */
  step(index: number, count: number, label: string, total: number): void;
  /** One client finished the current step. */
  done(client: string, outcome: string): void;
  finish(): void;
}

export function progress(stream: NodeJS.WriteStream = process.stderr, started = Date.now(), opts: { plain?: boolean } = {}): Progress {
  // A terminal without a size (some CI ptys) gets the plain lines: log-update would wrap to nothing.
  const live = !opts.plain && stream.isTTY && (stream.columns ?? 0) > 0 ? createLogUpdate(stream) : null;
  let current = { index: 0, count: 0, label: '', total: 0, finished: [] as string[] };
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const render = () =>
    `step ${current.index}/${current.count} ${current.label}: ${current.finished.length}/${current.total} subscribers done` +
    `${current.finished.length ? ` (${current.finished.slice(-3).join(', ')})` : ''}, ${elapsed()}`;
  return {
    step(index, count, label, total) {
      current = { index, count, label, total, finished: [] };
      live?.(render());
    },
    done(client, outcome) {
      current.finished.push(`${client} ${outcome}`);
      if (live) live(render());
      else if (current.finished.length === current.total) stream.write(`step ${current.index}/${current.count} ${current.label}: done, ${elapsed()}\n`);
    },
    finish() {
      live?.clear();
      live?.done();
    },
  };
}
