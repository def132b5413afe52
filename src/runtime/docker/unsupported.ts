import type { Scenario } from '../../scenario/schema.ts';

/** Why the docker runtime cannot run this scenario faithfully, or null when it can. */
export function dockerCannotRun(scenario: Scenario): string | null {
  if (scenario.attacker) {
    return `${scenario.name} puts a second attacker beyond the ISP, which the docker runtime does not model; run it with --runtime local.`;
  }
  const own = scenario.clients.find((c) => typeof c.program === 'object');
  if (own)
    return `${scenario.name}'s client ${own.name} is a program of your own, which the docker runtime cannot run yet; run it with --runtime local (as root).`;
  return null;
}
