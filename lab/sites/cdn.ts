import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import https from 'node:https';
import WebSocket, { type WebSocketServer } from 'ws';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { html, page } from './html.ts';
import { sendHtml, sendText } from './http.ts';

/**
 * The cdn kind (cdn.example): the edge of a content delivery network that serves many customers'
 * names from one address and one certificate. That is what makes domain fronting
 * work (Fifield et al., "Blocking-resistant communication through domain fronting",
 * PETS 2015): the ClientHello's SNI, the only name an on-path box like the 2019 device
 * can see without breaking TLS, says `cdn.example`, while the Host header inside the
 * encrypted stream names the customer the request is really for. An interceptor that
 * picks its victims by SNI lets the connection pass, and the edge routes by Host.
 *
 * The edge is a reverse proxy: it verifies each origin's certificate against the lab's
 * web roots, as a real CDN verifies its origins (so it is no hole in the lab's PKI).
 */

export interface CdnOptions {
  /** The edge's own name, e.g. cdn.example: the SNI a fronting client sends. */
  name: string;
  /** Where a customer's origin listens, or null when the CDN does not serve that name. */
  origins(host: string): { address: string; port: number } | null;
  /** PEM roots that origin certificates must chain to. */
  originRoots: string[];
  hsts?: boolean;
}

/** What the edge adds to every message it forwards (RFC 9110 section 7.6.3). */
const viaOf = (edge: string) => `1.1 ${edge}`;

/**
 * Headers that describe one connection, not the message, so a proxy must not forward
 * them (RFC 9110 section 7.6.1), plus any the Connection header names.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers of the WebSocket handshake itself (RFC 6455 section 4.1); ws makes its own. */
const WEBSOCKET_HANDSHAKE = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);

/** The Host header's name: without the port and a trailing dot, lowercased (DNS names are case-insensitive). */
function hostOf(req: IncomingMessage): string {
  const host = (req.headers.host ?? '').trim().toLowerCase();
  const withoutPort = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return withoutPort.replace(/\.$/, '');
}

function connectionScoped(connectionHeader: string | string[] | undefined): Set<string> {
  const named = [connectionHeader ?? []].flat().flatMap((value) => value.split(','));
  return new Set([...HOP_BY_HOP, ...named.map((name) => name.trim().toLowerCase()).filter(Boolean)]);
}

/** Request headers for the origin: end-to-end ones (Host kept) plus Via. */
function forwardRequestHeaders(headers: IncomingHttpHeaders, edge: string, drop: Set<string> = new Set()): OutgoingHttpHeaders {
  const scoped = connectionScoped(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !scoped.has(name) && !drop.has(name) && name !== 'via') out[name] = value;
  }
  out.via = headers.via ? `${headers.via}, ${viaOf(edge)}` : viaOf(edge);
  return out;
}

/** Response headers for the client, as a flat raw list so repeated ones (Set-Cookie) and their case survive. */
function forwardResponseHeaders(upstream: IncomingMessage, edge: string): string[] {
  const scoped = connectionScoped(upstream.headers.connection);
  const out: string[] = [];
  const via: string[] = [];
  for (let i = 0; i + 1 < upstream.rawHeaders.length; i += 2) {
    const name = upstream.rawHeaders[i]!;
    const value = upstream.rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'via') via.push(value);
    else if (!scoped.has(lower)) out.push(name, value);
  }
  out.push('Via', [...via, viaOf(edge)].join(', '));
  return out;
}

function landingPage(edge: string) {
  return page({
    title: `${edge} edge`,
    header: html`<header style="background:#f38020;color:#fff;padding:14px 24px;font-weight:700">${edge}</header>`,
    main: html`<div class="card">
      <h1>${edge} edge server</h1>
      <p>
        This edge serves many customers' sites from one address. Which site you get is chosen by the Host header of your request, not by the name your TLS
        connection was opened for.
      </p>
      <p class="muted">Ask for a customer's site by sending its name in the Host header.</p>
    </div>`,
    footer: `${edge} is a simulated content delivery network in tls-interception-lab.`,
  });
}

function proxy(req: IncomingMessage, res: ServerResponse, host: string, origin: { address: string; port: number }, opts: CdnOptions): void {
  const upstream = https.request({
    host: origin.address,
    port: origin.port,
    // The origin is checked for `host`, as the customer's certificate names it.
    servername: host,
    ca: opts.originRoots,
    method: req.method,
    path: req.url,
    headers: forwardRequestHeaders(req.headers, opts.name),
    agent: false,
  });

  upstream.once('response', (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, forwardResponseHeaders(upstreamRes, opts.name));
    upstreamRes.pipe(res);
    upstreamRes.once('error', () => res.destroy());
  });
  upstream.once('error', (err) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendText(res, 502, `Bad Gateway: ${opts.name} could not get ${host}${req.url ?? '/'} from its origin: ${err.message}.\n`);
  });
  // The client went away before the whole answer was sent: stop asking the origin.
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.once('error', () => upstream.destroy());
  req.pipe(upstream);
}

/** WebSocket close codes an endpoint may send (RFC 6455 section 7.4; 1005 and 1006 are never sent). */
function sendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** Passes one side's close on to the other; an abnormal end (1006, no close frame) ends it at once. */
function closeWith(ws: WebSocket, code: number, reason: Buffer | string): void {
  if (ws.readyState === WebSocket.CONNECTING || code === 1006) ws.terminate();
  else if (sendableCloseCode(code)) ws.close(code, reason);
  else ws.close();
}

/**
 * WebSocket upgrades for a customer's name: the edge accepts the client's handshake,
 * opens its own to the origin (verified like any origin request) and relays messages
 * both ways, as CDNs proxy WebSockets. Messages the client sends before the origin
 * answers are held back, not lost.
 */
function relayWebSockets(wss: WebSocketServer, opts: CdnOptions): void {
  wss.shouldHandle = (req) => {
    const host = hostOf(req);
    return host !== opts.name && opts.origins(host) !== null;
  };
  wss.on('connection', (client: WebSocket, req: IncomingMessage) => {
    const host = hostOf(req);
    const origin = opts.origins(host);
    if (!origin) {
      client.close(1014, 'Bad Gateway: no origin');
      return;
    }
    const protocols = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const options: WebSocket.ClientOptions & { servername: string } = {
      servername: host,
      ca: opts.originRoots,
      headers: { ...(forwardRequestHeaders(req.headers, opts.name, WEBSOCKET_HANDSHAKE) as Record<string, string>), host },
      perMessageDeflate: false,
    };
    const upstream = new WebSocket(`wss://${origin.address}:${origin.port}${req.url ?? '/'}`, protocols, options);

    const pending: Array<{ data: WebSocket.RawData; isBinary: boolean }> = [];
    client.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else pending.push({ data, isBinary });
    });
    upstream.once('open', () => {
      for (const { data, isBinary } of pending.splice(0)) upstream.send(data, { binary: isBinary });
    });
    upstream.on('message', (data, isBinary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    upstream.on('error', (err) => {
      // 1014: the gateway got no good answer from upstream (IANA WebSocket close codes).
      // A close reason is at most 123 bytes (RFC 6455 section 5.5).
      if (client.readyState === WebSocket.OPEN) client.close(1014, `Bad Gateway: ${err.message}`.slice(0, 120));
    });
    client.on('error', () => upstream.terminate());
    upstream.on('close', (code, reason) => closeWith(client, code, reason));
    client.on('close', (code, reason) => closeWith(upstream, code, reason));
  });
}

export function cdnSite(opts: CdnOptions): SiteDefinition {
  function handle(req: IncomingMessage, res: ServerResponse): void {
    const host = hostOf(req);
    if (host === opts.name) {
      req.resume();
      return sendHtml(res, 200, landingPage(opts.name));
    }
    const origin = opts.origins(host);
    if (!origin) {
      req.resume();
      // 421: this server is not the one for that name (RFC 9110 section 15.5.20).
      return sendText(res, 421, `Misdirected Request: ${opts.name} serves no site named "${host}".\n`);
    }
    proxy(req, res, host, origin, opts);
  }

  return {
    name: opts.name,
    title: `${opts.name}: a CDN edge serving many names, which makes domain fronting possible`,
    hsts: opts.hsts ?? false,
    https: true,
    handle,
    websocket: (wss) => relayWebSockets(wss, opts),
  };
}
