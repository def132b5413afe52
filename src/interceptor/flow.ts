import type { Endpoint } from './events.ts';

/** One client TCP connection as the box tracks it, from accept to close (mitmproxy's flow.py). */
export interface Flow {
  id: string;
  protocol: 'tls' | 'http';
  client: Endpoint;
  destination: Endpoint;
  destinationName: string | null;
  line: string | null;
  sni: string | null;
  /** Requests (and WebSocket upgrades) read on it so far. */
  requests: number;
  handshakeDone: boolean;
  failureRecorded: boolean;
}
