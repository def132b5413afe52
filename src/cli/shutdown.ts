/**
 * How a tlslab command ends, whatever ends it: Ctrl-C (once or many times), SIGTERM, SIGHUP, a
 * closed stdout or stderr (`tlslab up | head`), or the command finishing. Every lab it started is
 * stopped and its keys deleted before the process exits; a second signal never cuts that short
 * (it only says what is happening), and if stopping hangs, the keys are removed anyway.
 *
 * The last line of defence is the 'exit' handler: whatever calls process.exit (a library's own
 * signal handler, an uncaught error), what the labs hold on disk is removed synchronously
 * (runtime/leftovers.ts).
 */
import { removeLeftoversSync } from '../runtime/leftovers.ts';

type Stop = () => Promise<void> | void;

const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143, EPIPE: 141 };
/** How long an orderly stop may take before the keys are removed without it. */
const STOP_DEADLINE_MS = 30_000;

const stops: Stop[] = [];
let installed = false;
let stopping = false;
let exitCodeOnSignal: number | null = null;

interface ShutdownOptions {
  /** The exit code after a signal: `tlslab up` and `console` are meant to be stopped that way (0); run and matrix were interrupted (128 + signal). */
  signalExitCode?: number;
}

/** Install the handlers once per process; commands call it first thing. */
export function installShutdown(opts: ShutdownOptions = {}): void {
  exitCodeOnSignal = opts.signalExitCode ?? null;
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutDown(signal));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') return;
      // Nobody reads this stream any more: no line of ours is written to it again (each write
      // fails once more, and saying "stopping" on it fed this handler in a loop at full CPU;
      // destroy() does not close process.stdout or stderr, so `writable` stays true).
      unread.add(stream);
      void shutDown('EPIPE');
    });
  }
  process.on('exit', removeLeftoversSync);
}

/** Run `stop` on the way out (labs, servers); the last registered stops first. Returns an unregister. */
export function onShutdown(stop: Stop): () => void {
  stops.push(stop);
  return () => {
    const i = stops.indexOf(stop);
    if (i >= 0) stops.splice(i, 1);
  };
}

export function isShuttingDown(): boolean {
  return stopping;
}

/** Streams whose reader has gone (EPIPE). */
const unread = new WeakSet<NodeJS.WriteStream>();

function say(text: string): void {
  if (process.stderr.writable && !unread.has(process.stderr)) process.stderr.write(text);
}

/** Never rejects: each stop's failure is caught, and the rest only writes and exits (so callers `void` it). */
async function shutDown(reason: string): Promise<void> {
  if (stopping) {
    say("Still stopping: the lab's clients are being closed and its keys deleted…\n");
    return;
  }
  stopping = true;
  say('\nStopping the lab…\n');
  const deadline = setTimeout(() => {
    say('Stopping took too long; removing the keys now.\n');
    process.exit(exitCodeOnSignal ?? SIGNAL_EXIT[reason] ?? 1);
  }, STOP_DEADLINE_MS);
  for (const stop of [...stops].reverse()) {
    try {
      await stop();
    } catch {
      // One failed stop must not keep the others from running.
    }
  }
  clearTimeout(deadline);
  if (process.stdout.writable && !unread.has(process.stdout) && reason !== 'EPIPE') process.stdout.write('Stopped; its keys are deleted.\n');
  process.exit(exitCodeOnSignal ?? SIGNAL_EXIT[reason] ?? 1);
}
