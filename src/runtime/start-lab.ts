import type { Scenario } from '../scenario/schema.ts';
import type { Lab } from './lab.ts';
import { LocalLab } from './local/local-lab.ts';

export interface StartLabOptions {
  stateRoot?: string;
  keepState?: boolean;
}

/** The one place that picks a runtime; everything else talks to `Lab`. */
export function startLab(scenario: Scenario, opts: StartLabOptions = {}): Promise<Lab> {
  return LocalLab.start(scenario, opts);
}
