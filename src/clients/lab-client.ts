/**
 * What every kind of client (scripted, curl, openssl, Chromium) offers the runtime: run one
 * session step and say what the person saw. The runtime gives it its line into the ISP box
 * and the trust material its profile calls for.
 */
import type { SessionStep } from '../scenario/schema.ts';
import type { ProgramRun } from '../runtime/lab.ts';
import type { ClientNetwork } from './network.ts';
import type { StepRun } from './step-run.ts';

export interface ClientContext {
  /** The client's name in the scenario (also its line into the ISP box). */
  name: string;
  network: ClientNetwork;
  /** PEM of the lab's roots; the profile decides which it trusts. */
  roots: { web: string; state: string };
  /** Folder (inside the lab's state folder) for this client's files: profiles, screenshots. */
  workDir: string;
  /** Runs a program of the user's own on this client's line (`program: { command }`); absent where the runtime cannot. */
  runProgram?: (command: string[]) => Promise<ProgramRun>;
}

export interface LabClient {
  runStep(step: SessionStep): Promise<StepRun>;
  close(): Promise<void>;
}
