/**
 * `--verbose`: each phase of the lab's start and each step of each subscriber with its time, as
 * plain lines on stderr (the live progress line stays off, so the two never garble each other).
 */
import type { PhaseListener } from '../runtime/phases.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A listener that prints `[at] what: took`, or undefined when not asked for. */
export function verboseLog(enabled: boolean | undefined, started = Date.now(), stream: NodeJS.WritableStream = process.stderr): PhaseListener | undefined {
  if (!enabled) return undefined;
  return (what, ms) => void stream.write(`[${seconds(Date.now() - started)}] ${what}: ${seconds(ms)}\n`);
}
