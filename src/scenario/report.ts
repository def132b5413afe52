/**
 * The report (docs/architecture.md, "The report"): `results` and `captured` keep the contract's
 * fields and meaning; everything else is extra.
 */
import type { CaptureKind } from '../interceptor/events.ts';
import type { DiffRow } from '../pki/diff.ts';
import type { CertificateSummary } from '../pki/inspect.ts';
import type { Expectation, Outcome, RefusalCause } from './schema.ts';
import type { RuntimeName } from '../runtime/runtimes.ts';

export interface ReportResult {
  client: string;
  site: string;
  /** tls for https/wss connections, http for plain HTTP. */
  transport: 'tls' | 'http';
  outcome: Outcome;
  cause: RefusalCause | null;
  /** Common name of the issuer of the certificate the client was shown. */
  issuer: string | null;
  /** The client's own error text, when it refused. */
  error: string | null;
  why: string;
  connections: number;
}

export interface ReportCapture {
  client: string;
  site: string;
  kind: CaptureKind;
  value: string;
  step: string | null;
  flow: string;
  time: string;
}

export interface ReportStep {
  id: string;
  title: string;
  narrative: string | null;
  clients: Array<{
    client: string;
    summary: string;
    /** The client's program cannot take this step (curl has no WebSocket chat). */
    skipped: boolean;
    /** PNG screenshots of what the person saw (browser clients). */
    screenshots: string[];
    outcome: Outcome;
    cause: RefusalCause | null;
    connections: Array<{
      url: string;
      outcome: Outcome;
      cause: RefusalCause | null;
      issuer: string | null;
      error: string | null;
      status: number | null;
      flow: string | null;
      why: string;
    }>;
  }>;
}

export interface ExpectationCheck {
  expectation: Expectation;
  met: boolean;
  /** What was found instead, in words. */
  actual: string;
}

export interface Report {
  scenario: string;
  title: string;
  runtime: RuntimeName;
  startedAt: string;
  durationMs: number;
  stateCa: {
    profile: string;
    /** Who runs the CA and the box, as sentences name them: "the state", "the company". */
    operator: string;
    root: CertificateSummary;
    intermediate: CertificateSummary;
    nameConstrained: boolean;
    note: string;
  };
  interceptor: { policy: string; explain: string };
  /** The lab's hosts as the scenario declared them: name, kind and what the site calls itself. */
  sites: Array<{ host: string; kind: string; name: string }>;
  /** MITMEngine-style grade of the box's upstream ClientHello; null when it never went upstream. */
  upstreamGrade: { grade: 'A' | 'B' | 'C' | 'F'; version: string; reasons: string[] } | null;
  steps: ReportStep[];
  results: ReportResult[];
  captured: ReportCapture[];
  /** Each certificate the box forged, and how it differs from the original. */
  forged: Array<{ sni: string; names: string[]; issuer: string; realIssuer: string; diff: DiffRow[] }>;
  /** A second attacker beyond the ISP (sloppy scenario): what it read. */
  attacker: { impersonates: string[]; captured: ReportCapture[] } | null;
  expectations: ExpectationCheck[];
  passed: boolean;
}
