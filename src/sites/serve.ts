import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { AccessLogEntry, RunningSite, SiteDefinition, SiteTls } from './site.ts';

/**
 * Serving mechanism for simulated sites: the site definition says what to answer,
 * this file makes it look like a real deployment (HTTPS with a web-PKI certificate,
 * a port-80 listener that only redirects, the usual security headers, an access log).
 */

type SiteErrorCode = 'SITE_ERR_NOT_LOOPBACK' | 'SITE_ERR_TLS_MISSING';

export class SiteError extends Error {
  readonly code: SiteErrorCode;
  constructor(code: SiteErrorCode, message: string) {
    super(message);
    this.name = 'SiteError';
    this.code = code;
  }
}

interface StartSiteOptions {
  /** A 127.0.0.0/8 address; the lab never listens anywhere else (see assertLoopback), unless `ownHost`. */
  address: string;
  /**
   * The site is alone on a host of its own whose only networks are the lab's (a runtime that
   * gives each host a machine): it may listen on every address of that host, 0.0.0.0.
   */
  ownHost?: boolean;
  /** Required when the site serves HTTPS. */
  tls?: SiteTls;
  /** Fixed ports (443 and 80 on a host of its own); a free port each when left out. */
  ports?: { https?: number; http?: number };
}

/** What the Server header claims; nginx fronted most large sites in 2019. */
const SERVER_SOFTWARE = 'nginx';

/** One year, as the HSTS preload list requires (hstspreload.org). */
const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

/**
 * Headers a well-run site sends on every HTTPS response. HSTS is only sent over
 * HTTPS: RFC 6797 section 7.2 says a site must not send it over plain HTTP and
 * section 8.1 says browsers ignore it there.
 */
function securityHeaders(def: SiteDefinition): Record<string, string> {
  return {
    Server: SERVER_SOFTWARE,
    ...(def.hsts ? { 'Strict-Transport-Security': HSTS_VALUE } : {}),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
  };
}

export async function startSite(def: SiteDefinition, opts: StartSiteOptions): Promise<RunningSite> {
  assertLoopback(def.name, opts.address, opts.ownHost);
  if (def.https && !opts.tls) {
    throw new SiteError('SITE_ERR_TLS_MISSING', `${def.name} serves HTTPS, so it needs a certificate chain and key (opts.tls), but none was given`);
  }

  const listeners: Array<(entry: AccessLogEntry) => void> = [];
  const log: AccessLogger = (entry) => {
    const full: AccessLogEntry = { site: def.name, time: new Date().toISOString(), ...entry };
    for (const listener of listeners) listener(full);
  };

  // Closers of what has started so far, so a failed start can undo exactly that.
  const closers: Array<() => Promise<void>> = [];
  const closeAll = () =>
    Promise.all(
      closers
        .splice(0)
        .reverse()
        .map((close) => close()),
    ).then(() => undefined);

  try {
    let httpsPort: number | undefined;
    let httpHandler: http.RequestListener;

    if (def.https && opts.tls) {
      const server = https.createServer({ cert: opts.tls.certChainPem, key: opts.tls.keyPem }, siteHandler(def, log, 'https', securityHeaders(def)));
      const wss = def.websocket ? attachWebSocket(def, server, log) : undefined;
      closers.push(closer(server, wss));
      httpsPort = await listen(server, opts.address, opts.ports?.https);
      httpHandler = redirectToHttps(def.name, log);
    } else {
      httpHandler = siteHandler(def, log, 'http', { Server: SERVER_SOFTWARE });
    }

    const plain = http.createServer(httpHandler);
    closers.push(closer(plain));
    const httpPort = await listen(plain, opts.address, opts.ports?.http);

    let closing: Promise<void> | undefined;
    const close = () => (closing ??= closeAll());
    return {
      name: def.name,
      address: opts.address,
      httpsPort,
      httpPort,
      onAccess: (listener) => void listeners.push(listener),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

type AccessLogger = (entry: Omit<AccessLogEntry, 'site' | 'time'>) => void;

export function assertLoopback(name: string, address: string, ownHost = false): void {
  // The whole lab stays on 127.0.0.0/8 (README, "Safety"). A host of its own (the runtime says
  // so) listens on that host's addresses, which are on the lab's internal networks only.
  if (net.isIPv4(address) && address.startsWith('127.')) return;
  if (ownHost && address === '0.0.0.0') return;
  throw new SiteError('SITE_ERR_NOT_LOOPBACK', `${name} may only listen on a loopback address in 127.0.0.0/8, not "${address}"`);
}

function remoteOf(socket: { remoteAddress?: string }): string {
  return socket.remoteAddress ?? 'unknown';
}

/** Wraps the site's handler: adds the deployment headers, logs, turns a crash into a 500. */
function siteHandler(def: SiteDefinition, log: AccessLogger, scheme: 'https' | 'http', headers: Record<string, string>): http.RequestListener {
  return (req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    logWhenDone(req, res, log, scheme);
    const fail = () => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('Internal Server Error\n');
      } else {
        res.destroy();
      }
    };
    try {
      // An async handler's rejection is a crash too.
      const result = def.handle(req, res);
      if (result instanceof Promise) result.catch(fail);
    } catch {
      fail();
    }
  };
}

function logWhenDone(req: http.IncomingMessage, res: http.ServerResponse, log: AccessLogger, scheme: 'https' | 'http'): void {
  // 'close' fires after the response is finished or when the client goes away, so
  // every request gets exactly one line, like nginx's access log.
  res.once('close', () =>
    log({
      remote: remoteOf(req.socket),
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      status: res.statusCode,
      scheme,
    }),
  );
}

/** The port-80 listener of an HTTPS site: nothing but a permanent redirect. */
function redirectToHttps(name: string, log: AccessLogger): http.RequestListener {
  return (req, res) => {
    logWhenDone(req, res, log, 'http');
    // Origin-form only; anything else (absolute-form, '*') goes to the home page.
    const target = req.url?.startsWith('/') ? req.url : '/';
    const location = `https://${name}${target}`;
    const body = `<html><head><title>301 Moved Permanently</title></head><body><center><h1>301 Moved Permanently</h1></center><hr><center>${SERVER_SOFTWARE}</center></body></html>\n`;
    res.writeHead(301, {
      Server: SERVER_SOFTWARE,
      Location: location,
      'Content-Type': 'text/html',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  };
}

/**
 * Routes upgrades to a WebSocketServer the site configures. noServer mode (rather than
 * `{ server }`) lets this file see how each handshake ended, for the access log.
 * A site picks its paths by overriding `wss.shouldHandle` (documented in ws's README).
 */
function attachWebSocket(def: SiteDefinition, server: https.Server, log: AccessLogger): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true });
  def.websocket?.(wss);
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const entry = { remote: remoteOf(req.socket), method: req.method ?? 'GET', path: req.url ?? '/', scheme: 'wss' as const };
    // ws calls shouldHandle synchronously (its typings also allow a Promise, which ws would treat as yes).
    if (wss.shouldHandle(req) === false) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      log({ ...entry, status: 404 });
      return;
    }
    let accepted = false;
    // ws answers a malformed handshake with 400 (or 405 for a non-GET) and closes.
    socket.once('close', () => {
      if (!accepted) log({ ...entry, status: 400 });
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      accepted = true;
      log({ ...entry, status: 101 });
      wss.emit('connection', ws, req);
    });
  });
  return wss;
}

/** Listen on port 0 of one address; resolves with the port. */
export function listen(server: net.Server, address: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host: address, port }, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Returns a function that closes the server and every connection it holds. Raw
 * sockets are tracked from the start because closeAllConnections() only knows
 * sockets that reached HTTP: not TLS handshakes in progress, not upgraded ones.
 * Safe to call on a server that never started listening (a failed start).
 */
function closer(server: http.Server | https.Server, wss?: WebSocketServer): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise<void>((resolve) => {
      if (wss) {
        for (const client of wss.clients) client.terminate();
        wss.close();
      }
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
}
