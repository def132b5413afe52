/**
 * What the interceptor saw, as plain serialisable events (mechanism emits, reports and the
 * console read). Flow ids tie a client's TCP connection to everything read on it.
 */
import type { CertificateSummary } from '../pki/inspect.ts';

export interface Endpoint {
  address: string;
  port: number;
}

/** What the box's capture log can record (docs/architecture.md, "The report"). */
export const CAPTURE_KINDS = ['url', 'cookie', 'credential', 'header', 'body', 'ws-message'] as const;
export type CaptureKind = (typeof CAPTURE_KINDS)[number];

export type TlsDecision = 'intercept' | 'pass' | 'block';

/** Why a client's handshake with the forged certificate ended, seen from the interceptor's side. */
export type ClientTlsFailure =
  | 'cert-rejected' // the client sent a fatal alert about our certificate (bad_certificate, unknown_ca, ...): a refusal
  | 'closed-after-handshake' // handshake completed, then the client hung up without a request (how Node and pinned clients refuse)
  | 'closed-during-handshake' // hung up after the forged certificate was sent, without an alert: a refusal or a cut, the box cannot tell
  | 'cut-before-certificate' // the connection ended before the box had answered the ClientHello: not a refusal
  | 'handshake-timeout' // the handshake did not finish in time (timeouts.ts)
  | 'other';

/** Failures that show the client judged the forged certificate and said no. */
export const REFUSALS: readonly ClientTlsFailure[] = ['cert-rejected', 'closed-after-handshake'];

/** Why a request the box read ended without a complete answer. */
export type RequestFailure =
  | 'client-gone' // the client closed before the answer was complete
  | 'origin-unreachable' // the box could not connect to the real server: 502
  | 'origin-timeout' // the real server did not answer, or stalled, in time: 504, or a cut response
  | 'origin-reset' // the real server reset the connection: 502, or a cut response
  | 'origin-error'; // anything else on the way back: 502, or a cut response

export type InterceptorEvent =
  | {
      type: 'connection';
      flow: string;
      time: string;
      protocol: 'tls' | 'http';
      client: Endpoint;
      destination: Endpoint;
      /** The lab name of the destination address, when it is a lab host. */
      destinationName: string | null;
      /** The subscriber line it came in on: the client's name, when the runtime knows it. */
      line: string | null;
      sni: string | null;
      /** JA4 fingerprint of the ClientHello: metadata every ISP can read. */
      ja4: string | null;
      decision: TlsDecision | 'install-page' | 'refused';
      reason: string;
    }
  | {
      type: 'forged';
      time: string;
      destination: Endpoint;
      sni: string;
      names: string[];
      issuer: string;
      realIssuer: string;
      real: CertificateSummary;
      forged: CertificateSummary;
    }
  | { type: 'client-tls-failed'; flow: string; time: string; failure: ClientTlsFailure; message: string }
  | { type: 'client-tls-ok'; flow: string; time: string; protocol: string | null; cipher: string | null }
  | { type: 'capture'; flow: string; time: string; client: Endpoint; line: string | null; site: string; kind: CaptureKind; value: string }
  | { type: 'closed'; flow: string; time: string; bytesFromClient: number; bytesFromServer: number; requests: number }
  | { type: 'upstream-hello'; time: string; destination: Endpoint; version: string; grade: 'A' | 'B' | 'C' | 'F'; reasons: string[] }
  | { type: 'install-page-redirect'; flow: string; time: string; host: string; location: string }
  | { type: 'garbage'; time: string; client: Endpoint; port: number; message: string }
  /** The box closed a connection at one of its deadlines (timeouts.ts): a client slow or idle, not refusing anything. */
  | { type: 'dropped'; flow: string; time: string; reason: string }
  /** A request ended without a complete answer; `status` is what the box answered itself (502/504), null when it cut the connection. */
  | { type: 'request-failed'; flow: string; time: string; site: string; url: string; failure: RequestFailure; status: number | null; message: string }
  /** The box itself failed on a connection (not the client's fault); that connection was closed. */
  | { type: 'internal-error'; time: string; client: Endpoint; message: string };

export type CaptureEvent = Extract<InterceptorEvent, { type: 'capture' }>;
export type ConnectionEvent = Extract<InterceptorEvent, { type: 'connection' }>;
