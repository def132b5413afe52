import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { assertLoopback, listen } from './serve.ts';
import type { SiteTls } from './site.ts';

/**
 * A VPN-like exit beyond the ISP: a TLS-wrapped HTTP CONNECT proxy (RFC 9110 section
 * 9.3.6), as HTTPS proxies and many commercial VPNs' "stealth" modes are. The ISP box
 * sees one TLS connection to the exit's name; the subscriber's real TLS session to the
 * site runs inside it, end to end, so the box can neither read it nor forge a
 * certificate for the site. Only the exit's own name is exposed to the box's policy.
 *
 * The exit tunnels only to lab hosts (`resolve`); anything else is refused, so nothing
 * leaves the lab (README, "Safety").
 */

export interface TunnelEvent {
  /** The client's address, as the exit sees it. */
  remote: string;
  /** The CONNECT target, `host:port`, as the client asked for it. */
  target: string;
  /** true when the tunnel was established; false when refused or the target was unreachable. */
  ok: boolean;
}

interface StartTunnelExitOptions {
  /** The exit's DNS name, e.g. `vpn.example`; its certificate names it. */
  name: string;
  /** A 127.0.0.0/8 address, or 0.0.0.0 with `ownHost` (serve.ts, StartSiteOptions). */
  address: string;
  ownHost?: boolean;
  tls: SiteTls;
  /** A fixed port (443 on a host of its own); a free one when left out. */
  port?: number;
  /** Where a CONNECT target really is, or null when the exit must not go there. */
  resolve(host: string, port: number): { address: string; port: number } | null;
}

export interface RunningTunnelExit extends AsyncDisposable {
  name: string;
  address: string;
  port: number;
  close(): Promise<void>;
  /** One event per CONNECT request. */
  onTunnel(listener: (e: TunnelEvent) => void): void;
}

export async function startTunnelExit(opts: StartTunnelExitOptions): Promise<RunningTunnelExit> {
  assertLoopback(opts.name, opts.address, opts.ownHost);

  const listeners: Array<(e: TunnelEvent) => void> = [];
  const emit = (e: TunnelEvent) => {
    for (const listener of listeners) listener(e);
  };

  // Every socket, both the clients' and the ones to targets, so close() ends tunnels too
  // (closeAllConnections() forgets a socket once it leaves HTTP for CONNECT).
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = https.createServer({ cert: opts.tls.certChainPem, key: opts.tls.keyPem }, (req, res) => methodNotAllowed(opts.name, req, res));
  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const target = req.url ?? '';
    const remote = req.socket.remoteAddress ?? 'unknown';
    client.on('error', () => client.destroy());

    const authority = parseAuthority(target);
    if (!authority) {
      refuse(client, 400, 'Bad Request', `${opts.name} expects CONNECT host:port, not "${target}".`);
      emit({ remote, target, ok: false });
      return;
    }
    const endpoint = opts.resolve(authority.host, authority.port);
    if (!endpoint) {
      refuse(client, 403, 'Forbidden', `${opts.name} does not tunnel to ${target}: it is not a host of the lab, and nothing leaves the lab.`);
      emit({ remote, target, ok: false });
      return;
    }

    const upstream = net.connect({ host: endpoint.address, port: endpoint.port });
    track(upstream);
    let established = false;
    upstream.once('connect', () => {
      established = true;
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      // Bytes the client sent right after its CONNECT (its ClientHello, often) came with it.
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      emit({ remote, target, ok: true });
    });
    upstream.once('error', (err) => {
      if (established) {
        client.destroy();
        return;
      }
      refuse(client, 502, 'Bad Gateway', `${opts.name} could not reach ${target}: ${err.message}.`);
      emit({ remote, target, ok: false });
    });
    // A clean end travels through the pipes (each side ends the other after its last
    // bytes); an abrupt close or a reset on one side tears down the other.
    client.once('close', () => {
      if (!client.readableEnded) upstream.destroy();
    });
    upstream.once('close', () => {
      if (established && !upstream.readableEnded) client.destroy();
    });
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    }));

  try {
    const port = await listen(server, opts.address, opts.port);
    return {
      name: opts.name,
      address: opts.address,
      port,
      close,
      onTunnel: (listener) => void listeners.push(listener),
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `host:port` or `[v6]:port`; CONNECT always names a port (RFC 9110 section 9.3.6). */
function parseAuthority(target: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]@]+)):(\d{1,5})$/.exec(target);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) return null;
  return { host: (match[1] ?? match[2] ?? '').toLowerCase(), port };
}

/** A CONNECT has no ServerResponse: the answer is written on the socket, which then closes. */
function refuse(client: Duplex, status: number, reason: string, sentence: string): void {
  const body = `${sentence}\n`;
  client.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function methodNotAllowed(name: string, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const body = `${name} is a tunnel: it only answers CONNECT, not ${req.method ?? 'this method'}.\n`;
  res.writeHead(405, { Allow: 'CONNECT', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
