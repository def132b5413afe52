/**
 * The console's server: the page over HTTP and the protocol over a WebSocket (ws), on
 * loopback only. One ConsoleSession holds the state; every page gets a snapshot on connect
 * and the deltas after it.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Lab } from '../runtime/lab.ts';
import { loadAssets } from './assets.ts';
import { MAX_CLIENT_MESSAGE_BYTES, parseClientMessage, ProtocolError, type MatrixView, type ServerMessage } from './protocol.ts';
import { ConsoleSession, screenshotNumber } from './session.ts';
import { serveShell, SHELL_PATH, shellTargets } from './shell.ts';
import { wsText } from '../ws-text.ts';

const CONSOLE_HOST = '127.0.0.1';
const WS_PATH = '/ws';

interface ConsoleServerOptions {
  lab: Lab;
  /** 0 (the default): a free port chosen by the kernel. */
  port?: number;
  matrix?: MatrixView | null;
}

export interface ConsoleServer extends AsyncDisposable {
  url: string;
  port: number;
  session: ConsoleSession;
  /** Closes the pages' sockets and the server; the lab is the caller's to stop. */
  close(): Promise<void>;
}

export async function startConsoleServer(opts: ConsoleServerOptions): Promise<ConsoleServer> {
  const assets = await loadAssets();
  const session = new ConsoleSession(opts.lab, opts.matrix ?? null);
  const http: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const asset = req.method === 'GET' ? assets.get(path) : undefined;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const screenshot = req.method === 'GET' ? screenshotNumber(path) : null;
    if (screenshot !== null) {
      void serveScreenshot(res, session.screenshotFile(screenshot));
      return;
    }
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(asset.body);
  });

  let port = 0;
  // Only pages served by this server may connect: a web page elsewhere (or a DNS-rebinding
  // name pointed at 127.0.0.1) must not drive the lab.
  const sameOrigin = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    return req.headers.host === `${CONSOLE_HOST}:${port}` && (origin === undefined || origin === `http://${CONSOLE_HOST}:${port}`);
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const shells = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const shellCommands = shellTargets(opts.lab);
  // Two protocols on one server: the console's state on WS_PATH, client shells on SHELL_PATH.
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const refuse = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    if (!sameOrigin(req)) return refuse('401 Unauthorized');
    if (url.pathname === WS_PATH) return wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    const command = url.pathname === SHELL_PATH ? shellCommands[url.searchParams.get('client') ?? ''] : undefined;
    if (!command) return refuse('404 Not Found');
    const size = { cols: Number(url.searchParams.get('cols')), rows: Number(url.searchParams.get('rows')) };
    shells.handleUpgrade(req, socket, head, (ws) => serveShell(ws, command, size));
  });
  wss.on('connection', (ws: WebSocket) => {
    const send = (m: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    send({ v: 1, type: 'snapshot', state: session.snapshot() });
    const unsubscribe = session.subscribe(send);
    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) throw new ProtocolError('CONSOLE_ERR_BAD_MESSAGE', 'binary messages are not part of the protocol');
        session.handle(parseClientMessage(wsText(data)));
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        send({ v: 1, type: 'error', code: err.code, message: err.message });
      }
    });
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.terminate()); // e.g. a message over maxPayload: ws closes with 1009
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, CONSOLE_HOST, () => resolve());
  });
  port = (http.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await session.settled().catch(() => undefined);
      session.close();
      for (const ws of wss.clients) ws.close(1001, 'the console is shutting down');
      await new Promise<void>((r) => wss.close(() => r()));
      for (const ws of shells.clients) ws.close(1001, 'the console is shutting down');
      await new Promise<void>((r) => shells.close(() => r()));
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    })());
  return { url: `http://${CONSOLE_HOST}:${port}/`, port, session, close, [Symbol.asyncDispose]: close };
}

/** A screenshot the session gave out (by number, never a path from the page); 404 once the lab has removed it. */
async function serveScreenshot(res: ServerResponse, file: string | null): Promise<void> {
  const body = file ? await readFile(file).catch(() => null) : null;
  if (!body) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such screenshot\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' }).end(body);
}
