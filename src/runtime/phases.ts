/**
 * The phases of a lab's start, each told with how long it took, for `--verbose`: where the time
 * of a start goes (keys, sites, the box, containers) is the first question when it is slow.
 */
export type PhaseListener = (phase: string, ms: number) => void;

/** Runs `work`, then tells the listener it took so long (not when it fails: the error says it). */
export async function phase<T>(listener: PhaseListener | undefined, name: string, work: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const result = await work();
  listener?.(name, performance.now() - t);
  return result;
}
