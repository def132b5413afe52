/**
 * The runtimes, as data: what the CLI says about each and what each asks of a program of the
 * user's own. Commands read these instead of branching on a runtime's name (start-lab.ts picks
 * the implementation; nothing outside src/runtime knows one runtime from another).
 */
export const RUNTIME_NAMES = ['local', 'docker'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

interface RuntimeInfo {
  /** For `--runtime`'s help: where the lab runs. */
  summary: string;
  /** Where the hosts live, as `tlslab run` says while it starts them. */
  where: string;
  /** `tlslab test`: the user's program is a command on this machine, or an image of its own. */
  program: 'command' | 'image';
  /** Real routers between a subscriber and the box, so that `tlslab detect` can count hops by TTL. */
  hops: boolean;
}

export const RUNTIMES: Record<RuntimeName, RuntimeInfo> = {
  local: { summary: 'loopback, in this process', where: 'loopback', program: 'command', hops: false },
  docker: { summary: 'one container per host', where: 'containers', program: 'image', hops: true },
};

/** What is wrong with running a program so in this runtime (`tlslab test --image`), or null. */
export function programProblem(runtime: RuntimeName, image: string | undefined): string | null {
  const wants = RUNTIMES[runtime].program;
  if (image && wants === 'command') {
    const withImage = RUNTIME_NAMES.find((r) => RUNTIMES[r].program === 'image');
    return `--image runs your program from an image, which the ${runtime} runtime does not: add --runtime ${withImage}`;
  }
  if (!image && wants === 'image') return `in the ${runtime} runtime your program runs from an image of its own: give --image IMAGE`;
  return null;
}

/** `--runtime NAME` for each runtime that has this, for help text ("with --runtime docker"). */
export function runtimesWith(has: (r: RuntimeInfo) => boolean): string {
  return RUNTIME_NAMES.filter((r) => has(RUNTIMES[r]))
    .map((r) => `--runtime ${r}`)
    .join(' or ');
}
