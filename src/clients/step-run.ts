import type { Attempt } from './http-client.ts';

/** What one client did in one step of the session: its connections, and what the person saw. */
export interface StepRun {
  step: string;
  attempts: Attempt[];
  /** What the person saw, in one line. */
  summary: string;
  /** Set when this client's program cannot take the step at all. */
  skipped?: boolean;
}
