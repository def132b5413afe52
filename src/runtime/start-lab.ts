import type { Scenario } from '../scenario/schema.ts';
import { DockerLab } from './docker/docker-lab.ts';
import type { Lab, RuntimeName } from './lab.ts';
import { LocalLab } from './local/local-lab.ts';
import type { PhaseListener } from './phases.ts';

interface StartLabOptions {
  runtime?: RuntimeName;
  stateRoot?: string;
  keepState?: boolean;
  /** Told as each phase of the start ends, with its time (`--verbose`). */
  onPhase?: PhaseListener;
}

/** The one place that picks a runtime; everything else talks to `Lab`. */
export function startLab(scenario: Scenario, opts: StartLabOptions = {}): Promise<Lab> {
  return opts.runtime === 'docker' ? DockerLab.start(scenario, opts) : LocalLab.start(scenario, opts);
}
