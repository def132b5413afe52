import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocketServer } from 'ws';

/** One line of a site's access log, as its terminal in the console shows it. */
export interface AccessLogEntry {
  site: string;
  time: string;
  remote: string;
  method: string;
  path: string;
  status: number;
  scheme: 'https' | 'http' | 'wss';
}

/**
 * A simulated site: plain data plus a request handler. The serving mechanism
 * (src/sites/serve.ts) gives it HTTPS with its web-PKI certificate, a plain-HTTP
 * listener that redirects to HTTPS, and the headers real sites send.
 */
export interface SiteDefinition {
  /** DNS name, e.g. `bank.example`. */
  name: string;
  /** One line for reports and the console. */
  title: string;
  /** Send Strict-Transport-Security (max-age one year, includeSubDomains). */
  hsts: boolean;
  /** Serve HTTPS. false: plain HTTP only (the state's install page, like qca.kz). */
  https: boolean;
  /** May be async: serve.ts turns a rejection into a 500 as it does a throw. */
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
  /** Attach WebSocket endpoints (social.example's chat). */
  websocket?(wss: WebSocketServer): void;
}

export interface SiteTls {
  /** Leaf then intermediate, PEM. */
  certChainPem: string;
  keyPem: string;
}

export interface RunningSite extends AsyncDisposable {
  name: string;
  address: string;
  /** Undefined for an HTTP-only site. */
  httpsPort?: number;
  httpPort: number;
  /** Every request served, in order. */
  onAccess(listener: (entry: AccessLogEntry) => void): void;
  close(): Promise<void>;
}
