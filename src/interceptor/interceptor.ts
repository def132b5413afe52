/**
 * The ISP box. A transparent front end: it accepts the connections that cross it, learns
 * the original destination as a transparent box does (the local runtime: the address the
 * connection arrived on; docker: SO_ORIGINAL_DST), reads the ClientHello's SNI, asks the
 * policy, and either splices the bytes through untouched or hands the connection to
 * http-mitm-proxy with a forged certificate. It refuses destinations that are not lab hosts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { LabPki } from '../pki/lab-pki.ts';
import type { ForgedLeaf } from '../pki/forge-leaf.ts';
import { describeCertificate } from '../pki/inspect.ts';
import { NotTlsError, peekClientHello } from './client-hello.ts';
import { EventLog, now } from './event-log.ts';
import type { Endpoint, InterceptorEvent } from './events.ts';
import type { Exchange } from './exports/exchange.ts';
import { MitmProxies, type Flow } from './mitm.ts';
import { decideOnUpstream, decideTls, type InterceptPolicySpec } from './policy.ts';
import { gradeHello } from './grade.ts';
import { splice } from './splice.ts';
import { fetchUpstreamCertificate, type UpstreamCertificate } from './upstream-probe.ts';

export interface OriginalDestination {
  destination: Endpoint;
  /** Lab name of that address; null: not a lab host, and the interceptor refuses it. */
  name: string | null;
  /** The subscriber line (client name) the connection came in on, when known. */
  line?: string | null;
}

export interface ListenerSpec {
  address: string;
  port: number;
  protocol: 'tls' | 'http';
  /** How this listener learns where the client really connected. */
  originalDestination(socket: Socket): OriginalDestination | null;
}

/** What the box needs of the lab's PKI: the forger, the web root it checks upstream with, and
 * http-mitm-proxy's CA folder. A LabPki is one; the docker runtime's ISP container builds one
 * from the state folder's files. */
export type InterceptorPki = Pick<LabPki, 'forge'> & { webRoot: { cert: { pem: string } }; files: { mitmCaDir: string } };

export interface InterceptorOptions {
  pki: InterceptorPki;
  policy: InterceptPolicySpec;
  /** How long a client may take to send its ClientHello (or first HTTP bytes). */
  helloTimeoutMs?: number;
  /** Roots the box trusts upstream (default: its PKI's web root). */
  upstreamRoots?: string[];
}

export class Interceptor implements AsyncDisposable {
  readonly log = new EventLog();
  readonly exchanges: Exchange[] = [];
  readonly keylog: string[] = [];
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly upstreamCache = new Map<string, Promise<UpstreamCertificate>>();
  private readonly mitm: MitmProxies;
  private readonly helloTimeoutMs: number;
  private upstreamGraded = false;
  private readonly upstreamRoots: string[];

  constructor(private readonly opts: InterceptorOptions) {
    this.helloTimeoutMs = opts.helloTimeoutMs ?? 10_000;
    this.upstreamRoots = opts.upstreamRoots ?? [opts.pki.webRoot.cert.pem];
    this.mitm = new MitmProxies({
      caDir: opts.pki.files.mitmCaDir,
      webRoots: this.upstreamRoots,
      policy: opts.policy,
      log: this.log,
      exchanges: this.exchanges,
      keylog: this.keylog,
      certFor: (destination, sni) => this.forgedFor(destination, sni),
    });
  }

  get events(): InterceptorEvent[] {
    return this.log.events;
  }

  /** Start accepting on one address; resolves with the bound endpoint. */
  listen(spec: ListenerSpec): Promise<Endpoint> {
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      this.accept(socket, spec).catch((err: Error) => {
        // Garbage is recorded where it is read; anything else here is the box's own failure.
        this.log.add({ type: 'internal-error', time: now(), client: remote(socket), message: err.message });
        socket.destroy();
      });
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.address, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        const a = server.address() as { address: string; port: number };
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  private async accept(socket: Socket, spec: ListenerSpec): Promise<void> {
    const original = spec.originalDestination(socket);
    const client = remote(socket);
    const flow: Flow = {
      id: randomUUID().slice(0, 8),
      protocol: spec.protocol,
      client,
      destination: original?.destination ?? { address: socket.localAddress ?? '?', port: socket.localPort ?? 0 },
      destinationName: original?.name ?? null,
      line: original?.line ?? null,
      sni: null,
      requests: 0,
      handshakeDone: false,
      failureRecorded: false,
    };
    if (!original || !original.name) {
      this.connectionEvent(flow, null, 'refused', 'the destination is not a lab host: nothing leaves the lab');
      socket.destroy();
      return;
    }
    if (spec.protocol === 'http') return this.acceptHttp(socket, flow);
    return this.acceptTls(socket, flow);
  }

  private async acceptTls(socket: Socket, flow: Flow): Promise<void> {
    let hello;
    try {
      hello = await peekClientHello(socket, this.helloTimeoutMs);
    } catch (err) {
      const message = err instanceof NotTlsError ? err.message : (err as Error).message;
      this.log.add({ type: 'garbage', time: now(), client: flow.client, port: socket.localPort ?? 0, message });
      socket.destroy();
      return;
    }
    flow.sni = hello.sni;
    let decided: 'intercept' | 'pass' | null = null;
    socket.once('close', () => {
      if (decided === 'intercept') this.onInterceptedClose(flow, socket);
      else if (decided === null) this.closedEvent(flow, socket.bytesRead, socket.bytesWritten);
    });
    let decision = decideTls(this.opts.policy, hello.sni);
    if (decision.action === 'intercept' && hello.sni) {
      const upstream = await this.upstreamCertificate(flow.destination, hello.sni);
      if (!upstream.certDer) decision = { action: 'pass', reason: `no certificate from the real server (${upstream.error})` };
      else decision = decideOnUpstream(this.opts.policy, upstream);
    }
    this.connectionEvent(flow, hello.ja4, decision.action, decision.reason);
    // The client may have hung up while the box looked at the real server.
    if (socket.destroyed) return;
    decided = decision.action;
    if (decision.action === 'pass') {
      const bytes = await splice(socket, flow.destination, hello.head);
      this.closedEvent(flow, bytes.fromClient, bytes.fromServer);
      return;
    }
    await this.mitm.handOver(flow, socket, hello.head);
  }

  private async acceptHttp(socket: Socket, flow: Flow): Promise<void> {
    let head: Buffer;
    try {
      head = await firstBytes(socket, this.helloTimeoutMs);
    } catch (err) {
      this.log.add({ type: 'garbage', time: now(), client: flow.client, port: socket.localPort ?? 0, message: (err as Error).message });
      socket.destroy();
      return;
    }
    if (head[0] === 0x16) {
      this.log.add({ type: 'garbage', time: now(), client: flow.client, port: socket.localPort ?? 0, message: 'TLS sent to the plain-HTTP port' });
      socket.destroy();
      return;
    }
    this.connectionEvent(flow, null, 'pass', 'plain HTTP: everything in it is readable');
    socket.once('close', () => this.closedEvent(flow, socket.bytesRead, socket.bytesWritten));
    await this.mitm.handOver(flow, socket, head);
  }

  /** An intercepted client left: a refusal by silence if it never sent a request (peers.md). */
  private onInterceptedClose(flow: Flow, socket: Socket): void {
    if (flow.requests === 0 && !flow.failureRecorded) {
      flow.failureRecorded = true;
      this.log.add({
        type: 'client-tls-failed',
        flow: flow.id,
        time: now(),
        failure: flow.handshakeDone ? 'closed-after-handshake' : 'closed-during-handshake',
        message: flow.handshakeDone
          ? 'the client completed the handshake and hung up without sending a request'
          : 'the client hung up during the handshake, after seeing the forged certificate',
      });
    }
    this.closedEvent(flow, socket.bytesRead, socket.bytesWritten);
  }

  /** The device's own look at the real server (cached per destination and name). */
  private upstreamCertificate(destination: Endpoint, sni: string): Promise<UpstreamCertificate> {
    const key = `${destination.address}:${destination.port}/${sni}`;
    let cached = this.upstreamCache.get(key);
    if (!cached) {
      cached = fetchUpstreamCertificate(destination, sni, this.upstreamRoots);
      this.upstreamCache.set(key, cached);
      cached.then((r) => {
        // The device's own ClientHello, graded once: it is the same for every host.
        if (!r.hello || this.upstreamGraded) return;
        this.upstreamGraded = true;
        const g = gradeHello(r.hello);
        this.log.add({ type: 'upstream-hello', time: now(), destination, version: g.version, grade: g.grade, reasons: g.reasons });
      });
      // Failures are not cached: the server may just be starting.
      cached.then((r) => !r.certDer && this.upstreamCache.delete(key));
    }
    return cached;
  }

  private async forgedFor(destination: Endpoint, sni: string): Promise<ForgedLeaf> {
    const upstream = await this.upstreamCertificate(destination, sni);
    if (!upstream.certDer) throw new Error(`no upstream certificate for ${sni}`);
    const leaf = await this.opts.pki.forge(upstream.certDer);
    const forged = describeCertificate(leaf.cert.der);
    const real = describeCertificate(upstream.certDer);
    this.log.add({ type: 'forged', time: now(), destination, sni, names: forged.names, issuer: forged.issuer, realIssuer: real.issuer, real, forged });
    return leaf;
  }

  private connectionEvent(flow: Flow, ja4: string | null, decision: 'intercept' | 'pass' | 'refused', reason: string): void {
    this.log.add({
      type: 'connection',
      flow: flow.id,
      time: now(),
      protocol: flow.protocol,
      client: flow.client,
      destination: flow.destination,
      destinationName: flow.destinationName,
      line: flow.line,
      sni: flow.sni,
      ja4,
      decision,
      reason,
    });
  }

  private closedEvent(flow: Flow, fromClient: number, fromServer: number): void {
    this.log.add({ type: 'closed', flow: flow.id, time: now(), bytesFromClient: fromClient, bytesFromServer: fromServer, requests: flow.requests });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    await this.mitm.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function remote(socket: Socket): Endpoint {
  return { address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 };
}

function firstBytes(socket: Socket, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no request within ${timeoutMs} ms`)), timeoutMs);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      resolve(chunk);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error('closed before sending anything'));
    });
    socket.resume();
  });
}
