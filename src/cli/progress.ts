/**
 * What a long command is doing, on stderr: on a terminal one line that keeps itself current
 * (log-update) and ticks the time every second; elsewhere (a CI log, a pipe) one plain line
 * per finished piece of work. Never on stdout, which holds the report or the readout.
 *
 * run shows the steps (n of N, which subscribers are still running); up and console the lab's
 * start; matrix its columns. `--verbose` turns the live line off and prints every phase
 * instead (verbose.ts), so the two never garble each other.
 */
import { createLogUpdate } from 'log-update';
import type { PhaseListener } from '../runtime/phases.ts';
import { verboseLog } from './verbose.ts';

export interface Progress {
  /** One phase of the lab's start finished (keys, sites, the box, containers). */
  phase(what: string): void;
  /** The lab is up: in plain mode, one line saying how long it took. */
  ready(): void;
  /** A step started: `label` names it, `clients` will take it. */
  step(index: number, count: number, label: string, clients: string[]): void;
  /** One client finished the current step. */
  done(client: string): void;
  /** A matrix column (one interceptor variant, its own lab) started. */
  column(index: number, count: number, name: string): void;
  /** That column finished. */
  columnDone(name: string, ms: number): void;
  /** Clears the live line; call before printing anything else. */
  finish(): void;
}

interface ProgressOptions {
  /** Plain lines even on a terminal (`--verbose` prints its own). */
  plain?: boolean;
  /** Re-render on a terminal this often, for the time so far; 0: only on news (tests). */
  tickMs?: number;
}

const MAX_NAMES = 3;

export function progress(stream: NodeJS.WriteStream = process.stderr, started = Date.now(), opts: ProgressOptions = {}): Progress {
  // A terminal without a size (some CI ptys) gets the plain lines: log-update clips its output to
  // the terminal's rows and wraps it to its columns, so with either at 0 it would show nothing.
  const live = !opts.plain && stream.isTTY && (stream.columns ?? 0) > 0 && (stream.rows ?? 0) > 0 ? createLogUpdate(stream) : null;
  const plain = (line: string) => {
    if (!live) stream.write(`${line}\n`);
  };
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  let column: { index: number; count: number; name: string } | null = null;
  // Every command starts with a lab starting.
  let lab: { lastPhase: string | null } | null = { lastPhase: null };
  let step: { index: number; count: number; label: string; clients: string[]; finished: string[] } | null = null;

  const names = (list: string[]) => (list.length > MAX_NAMES ? `${list.slice(0, MAX_NAMES).join(', ')} and ${list.length - MAX_NAMES} more` : list.join(', '));
  const render = () => {
    const parts: string[] = [];
    if (column) parts.push(`column ${column.index}/${column.count} ${column.name}`);
    if (lab) parts.push(`starting the lab${lab.lastPhase ? ` (${lab.lastPhase} done)` : ''}`);
    if (step) {
      const running = step.clients.filter((c) => !step!.finished.includes(c));
      parts.push(
        `step ${step.index}/${step.count} ${step.label}: ${step.finished.length}/${step.clients.length} done${running.length ? `, running ${names(running)}` : ''}`,
      );
    }
    return `${parts.join(' · ')} · ${elapsed()}`;
  };
  // One line, never wrapped: cut to the terminal's width as it is now (it may be resized).
  const fit = (line: string) => {
    const width = (stream.columns ?? 80) - 1;
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  };
  const show = () => live?.(fit(render()));
  const timer = live && opts.tickMs !== 0 ? setInterval(show, opts.tickMs ?? 1000) : null;
  timer?.unref();

  return {
    phase(what) {
      lab ??= { lastPhase: null };
      lab.lastPhase = what;
      show();
    },
    ready() {
      lab = null;
      plain(`${column ? `${column.name}: ` : ''}lab up in ${elapsed()}`);
      show();
    },
    step(index, count, label, clients) {
      lab = null;
      step = { index, count, label, clients, finished: [] };
      show();
    },
    done(client) {
      if (!step) return;
      step.finished.push(client);
      if (step.finished.length === step.clients.length) plain(`step ${step.index}/${step.count} ${step.label}: done, ${elapsed()}`);
      show();
    },
    column(index, count, name) {
      column = { index, count, name };
      lab = { lastPhase: null };
      step = null;
      show();
    },
    columnDone(name, ms) {
      // A finished column is news worth keeping on screen: printed above the live line.
      live?.clear();
      stream.write(`  ${name} done in ${(ms / 1000).toFixed(1)} s\n`);
      column = null;
      step = null;
      show();
    },
    finish() {
      if (timer) clearInterval(timer);
      live?.clear();
      live?.done();
    },
  };
}

/**
 * The progress of a lab's start alone (up, console): the live line while it starts, then one
 * plain `lab up in 5 s` off a terminal; with `--verbose`, every phase and its time instead.
 */
export function labStartProgress(verbose: boolean | undefined, started = Date.now()): { onPhase: PhaseListener; ready: () => void; finish: () => void } {
  const log = verboseLog(verbose, started);
  const shown = progress(process.stderr, started, { plain: !!verbose });
  return {
    onPhase: (what, ms) => {
      log?.(what, ms);
      shown.phase(what);
    },
    ready: () => {
      shown.ready();
      shown.finish();
    },
    finish: () => shown.finish(),
  };
}
