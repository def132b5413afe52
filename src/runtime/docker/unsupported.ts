import type { Scenario } from '../../scenario/schema.ts';

/** Why the docker runtime cannot run this scenario faithfully, or null when it can. */
export function dockerCannotRun(scenario: Scenario): string | null {
  if (scenario.attacker) {
    return `${scenario.name} puts a second attacker beyond the ISP, which the docker runtime does not model; run it with --runtime local.`;
  }
  return null;
}
