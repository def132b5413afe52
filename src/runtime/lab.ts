/**
 * The one interface every runtime implements (docs/architecture.md: local loopback and docker compose).
 * Scenarios, the CLI, the console and the tests see only this.
 */
import type { PacketCapture } from './packet-capture.ts';
import type { StepRun } from '../clients/step-run.ts';
import type { InterceptorEvent } from '../interceptor/events.ts';
import type { Exchange } from '../interceptor/exports/exchange.ts';
import type { ProbeResult } from '../measure/probe-job.ts';
import type { CertificateSummary } from '../pki/inspect.ts';
import type { Scenario, SessionStep, TrustAnchor } from '../scenario/schema.ts';
import type { HandCommand, HandTry } from './hand-command.ts';
import type { RuntimeName } from './runtimes.ts';

export type { RuntimeName } from './runtimes.ts';

export interface MeasureRequest {
  /** Names to send in the ClientHello beside the control name. */
  candidates: string[];
  /** Count hops up to this TTL, where the runtime can. */
  maxHops?: number;
}

export interface Measurement extends ProbeResult {
  /** Where the probe ran, in words. */
  vantage: string;
  /** Why there is no TTL probe, when there is none. */
  ttlUnavailable: string | null;
}

/** The line `tlslab test`'s program arrives on, as the box's records name it, in every runtime. */
export const PROGRAM_LINE = 'your-program';

/** A program of the user's own, run as a subscriber on a line of its own (`tlslab test`). */
export interface ProgramSpec {
  /** The line its connections arrive on, as the box's records name it. */
  line: string;
  /** The roots it trusts: what a state asks people to install. */
  trusts: TrustAnchor[];
  command: string[];
  timeoutMs: number;
  /** The docker runtime: the image the program runs in (its own, as a subscriber's container). */
  image?: string;
}

export interface ProgramRun {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** When it started and ended (ms since the epoch): the window its connections are looked for in. */
  from: number;
  to: number;
  timedOut: boolean;
}

export interface Route {
  https?: { address: string; port: number };
  http?: { address: string; port: number };
}

export interface LabHost {
  name: string;
  role: 'site' | 'isp' | 'client';
  /** Where the host itself listens or lives. */
  address: string;
  /** For sites: how a person at the keyboard reaches it through the ISP box (`--connect-to`). */
  routes?: Route;
  /** For clients: their own line into the ISP box, site by site. */
  lines?: Record<string, Route>;
  /** Real ports of a site, on its own address (behind the ISP). */
  ports?: { https?: number; http?: number };
  description: string;
}

/** Everything a person or a tool needs to poke the running lab (`tlslab up` prints it). */
export interface LabDescription {
  scenario: string;
  runtime: RuntimeName;
  stateDir: string;
  hosts: LabHost[];
  trust: { webRoot: string; stateRoot: string; stateRootDer: string; webAndStateRoots: string };
  stateRoot: CertificateSummary;
  stateIntermediate: CertificateSummary;
  webRoot: CertificateSummary;
  nameConstrained: boolean;
  /** Where the box's records are written as they happen (docs/isp-box.md): file by kind. */
  records: Record<string, string>;
  /** The docker runtime's compose project: its name, file, and each service's container. */
  docker?: { project: string; composeFile: string; containers: Record<string, string> };
}

export interface Lab extends AsyncDisposable {
  readonly runtime: RuntimeName;
  readonly scenario: Scenario;
  describe(): LabDescription;
  /** The tries as commands a person pastes in this runtime's world, with what each must show; tries it cannot run are left out. */
  handCommands(tries: HandTry[]): HandCommand[];
  /** The client's name → the address the interceptor sees it connect from. */
  clientAddress(client: string): string;
  /**
   * The command (argv) that opens an interactive login shell as this client, on its own line with
   * its own trust store, for curl and openssl by hand; null where the runtime gives none.
   */
  shellCommand(client: string): string[] | null;
  /** Run one step of the session as one of the scenario's clients, inside the lab. */
  runStep(client: string, step: SessionStep): Promise<StepRun>;
  /**
   * Run a program of the user's own as a subscriber: it resolves the lab's names and reaches them
   * through the box with no proxy settings, trusting the given roots. Rejects with a sentence
   * (code TLSLAB_NAMESPACE_UNAVAILABLE or TLSLAB_NOT_SUPPORTED) where the runtime cannot.
   */
  runProgram(spec: ProgramSpec): Promise<ProgramRun>;
  /**
   * Measure the box from a subscriber line as a researcher would (Raman et al., IMC 2020): the
   * same ClientHello with a control name and each candidate at every server, and, where the
   * line has real hops, the triggering ClientHello with growing TTL (`ttlUnavailable` says why not).
   */
  measure(req: MeasureRequest): Promise<Measurement>;
  /**
   * Resolves once the box (and an attacker beyond it) has recorded everything it read of the
   * requests begun so far: what a join of a client's view with the records waits for. Bounded
   * (SETTLE_LIMIT_MS): a request still held open is left to the box's own timeouts.
   */
  settled(): Promise<void>;
  /** Everything the interceptor saw so far. */
  interceptorEvents(): InterceptorEvent[];
  /** What a second attacker beyond the ISP saw (empty unless the scenario has one). */
  attackerEvents(): InterceptorEvent[];
  onInterceptorEvent(listener: (e: InterceptorEvent) => void): () => void;
  /** Full exchanges read (the HAR's raw material) and TLS key log lines. */
  exchanges(): Exchange[];
  keylog(): string[];
  /**
   * Start capturing both sides of the box as packets (`--pcap`, packet-capture.ts): rejects with
   * a sentence (code TLSLAB_PCAP) when this machine cannot capture. Stopped with the lab.
   */
  capturePackets(): Promise<PacketCapture>;
  stop(): Promise<void>;
}
