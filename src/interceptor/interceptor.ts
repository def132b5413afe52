/**
 * The ISP box. A transparent front end: it accepts the connections that cross it, learns
 * the original destination as a transparent box does (ListenerSpec.originalDestination, which
 * the runtime gives: the address or the port the connection was sent to), reads the
 * ClientHello's SNI, asks the policy, and either splices the bytes through untouched or ends
 * the client's TLS with a forged certificate and hands the connection to http-mitm-proxy
 * (mitm.ts). It refuses destinations that are not lab hosts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { LabPki } from '../pki/lab-pki.ts';
import { describeCertificate } from '../pki/inspect.ts';
import { NotTlsError, peekClientHello } from './client-hello.ts';
import { terminateClientTls } from './client-tls.ts';
import { now } from './clock.ts';
import type { Endpoint, InterceptorEvent, TlsDecision } from './events.ts';
import type { Exchange } from './exports/exchange.ts';
import type { Flow } from './flow.ts';
import { ForgedContexts } from './forged-contexts.ts';
import { MitmEngine } from './mitm.ts';
import { ReadsInFlight, SETTLE_LIMIT_MS } from './reads-in-flight.ts';
import type { InterceptPolicy } from './policy.ts';
import { BoxRecords } from './records.ts';
import { splice } from './splice.ts';
import { DEFAULT_BOX_TIMEOUTS, type BoxTimeouts } from './timeouts.ts';
import { UpstreamLooks } from './upstream-looks.ts';
import type { UpstreamCertificate } from './upstream-probe.ts';

interface OriginalDestination {
  destination: Endpoint;
  /** Lab name of that address; null: not a lab host, and the interceptor refuses it. */
  name: string | null;
  /** The subscriber line (client name) the connection came in on, when known. */
  line?: string | null;
}

interface ListenerSpec {
  address: string;
  port: number;
  protocol: 'tls' | 'http';
  /** How this listener learns where the client really connected. */
  originalDestination(socket: Socket): OriginalDestination | null;
}

/** What the box needs of the lab's PKI: the forger, the web root it checks upstream with, and
 * http-mitm-proxy's CA folder. A LabPki is one; a box in a machine of its own builds one
 * from the state folder's files. */
type InterceptorPki = Pick<LabPki, 'forge'> & { webRoot: { cert: { pem: string } }; files: { mitmCaDir: string } };

interface InterceptorOptions {
  pki: InterceptorPki;
  policy: InterceptPolicy;
  /** Deadlines on every wait (timeouts.ts); any left out keep their defaults. */
  timeouts?: Partial<BoxTimeouts>;
  /** Roots the box trusts upstream (default: its PKI's web root). */
  upstreamRoots?: string[];
  /** Where the box streams its records (events, exchanges, key log); without it, only a window is kept. */
  recordsDir?: string;
}

export class Interceptor implements AsyncDisposable {
  readonly records: BoxRecords;
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly looks: UpstreamLooks;
  private readonly contexts: ForgedContexts;
  private readonly timeouts: BoxTimeouts;
  private engine: Promise<MitmEngine> | null = null;
  private readonly upstreamRoots: string[];
  private readonly busyListeners = new Set<(busy: boolean) => void>();
  private readonly reads = new ReadsInFlight((busy) => {
    for (const l of this.busyListeners) l(busy);
  });

  constructor(private readonly opts: InterceptorOptions) {
    this.timeouts = { ...DEFAULT_BOX_TIMEOUTS, ...opts.timeouts };
    this.upstreamRoots = opts.upstreamRoots ?? [opts.pki.webRoot.cert.pem];
    this.looks = new UpstreamLooks(this.upstreamRoots, {
      // What the look found goes to the upstream pool of that name (upstream-pool.ts) when the
      // policy will intercept there; a look whose server will not be intercepted leaves nothing.
      found: (destination, sni, look) => {
        if (opts.policy.atUpstream(look).action !== 'intercept') return false;
        this.mitm().then(
          (engine) => engine.addLook(destination, sni, look),
          () => look.connection?.socket.destroy(),
        );
        return true;
      },
      graded: (destination, g) => this.record({ type: 'upstream-hello', time: now(), destination, version: g.version, grade: g.grade, reasons: g.reasons }),
    });
    this.records = new BoxRecords({ dir: opts.recordsDir });
    this.contexts = new ForgedContexts(
      (der) => opts.pki.forge(der),
      (realDer, leaf, first) => {
        const forged = describeCertificate(leaf.cert.der);
        const real = describeCertificate(realDer);
        this.record({
          type: 'forged',
          time: now(),
          destination: first.destination,
          sni: first.sni,
          names: forged.names,
          issuer: forged.issuer,
          realIssuer: real.issuer,
          real,
          forged,
        });
      },
    );
  }

  /** Every event so far (from the records file once the in-memory window has moved on). */
  get events(): InterceptorEvent[] {
    return this.records.allEvents();
  }

  get exchanges(): Exchange[] {
    return this.records.allExchanges();
  }

  get keylog(): string[] {
    return this.records.allKeylog();
  }

  /**
   * Resolves once the box has recorded everything it read of the requests begun so far (true),
   * or after `limitMs` with a request still open (false). What a join waits for, not a pause.
   */
  settled(limitMs = SETTLE_LIMIT_MS): Promise<boolean> {
    return this.reads.idle(limitMs);
  }

  /** Told each time the box starts reading with nothing else in flight (true) and when it is idle again (false). */
  onBusyChange(listener: (busy: boolean) => void): () => void {
    this.busyListeners.add(listener);
    return () => this.busyListeners.delete(listener);
  }

  /** Start accepting on one address; resolves with the bound endpoint. */
  listen(spec: ListenerSpec): Promise<Endpoint> {
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      this.accept(socket, spec).catch((err: Error) => {
        // Garbage is recorded where it is read; anything else here is the box's own failure.
        this.record({ type: 'internal-error', time: now(), client: remote(socket), message: err.message });
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

  private record(e: InterceptorEvent): void {
    this.records.event(e);
  }

  private mitm(): Promise<MitmEngine> {
    this.engine ??= MitmEngine.start({
      caDir: this.opts.pki.files.mitmCaDir,
      webRoots: this.upstreamRoots,
      validatesUpstream: this.opts.policy.validatesUpstream,
      timeouts: this.timeouts,
      sinks: { event: (e) => this.record(e), exchange: (x) => this.records.exchange(x), reads: this.reads },
      onKeylog: (line) => this.records.keylog(line.toString('latin1')),
      // The box's own deadline, not the client's refusal: never recorded as one.
      onDropped: (flow, reason) => {
        flow.failureRecorded = true;
        this.record({ type: 'dropped', flow: flow.id, time: now(), reason });
      },
      boxAnswer: (flow, host, url) => {
        const answer = this.opts.policy.plainHttpAnswer(host, url);
        if (answer) this.record({ type: 'install-page-redirect', flow: flow.id, time: now(), host, location: answer.headers.Location });
        return answer;
      },
    });
    return this.engine;
  }

  private async accept(socket: Socket, spec: ListenerSpec): Promise<void> {
    const original = spec.originalDestination(socket);
    const flow: Flow = {
      id: randomUUID().slice(0, 8),
      protocol: spec.protocol,
      client: remote(socket),
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
      hello = await peekClientHello(socket, this.timeouts.clientHelloMs);
    } catch (err) {
      const message = err instanceof NotTlsError ? err.message : (err as Error).message;
      this.record({ type: 'garbage', time: now(), client: flow.client, port: socket.localPort ?? 0, message });
      socket.destroy();
      return;
    }
    flow.sni = hello.sni;
    let decision = this.opts.policy.atClientHello(hello.sni);
    let upstream: UpstreamCertificate | null = null;
    if (decision.action === 'intercept' && hello.sni) {
      upstream = await this.looks.look(flow.destination, hello.sni);
      decision = this.opts.policy.atUpstream(upstream);
    }
    this.connectionEvent(flow, hello.ja4, decision.action, decision.reason);
    // The client may have hung up while the box looked at the real server.
    if (socket.destroyed) return this.closedEvent(flow, socket.bytesRead, socket.bytesWritten);
    if (decision.action === 'block') return this.reset(socket, flow);
    if (decision.action === 'pass') {
      const bytes = await splice(socket, flow.destination, hello.head);
      this.closedEvent(flow, bytes.fromClient, bytes.fromServer);
      return;
    }
    const [forged, engine] = await Promise.all([this.contexts.get(upstream!.certDer!, { destination: flow.destination, sni: hello.sni! }), this.mitm()]);
    if (socket.destroyed) {
      this.clientFailure(flow, 'cut-before-certificate', 'the client hung up before the box answered its ClientHello');
      return this.closedEvent(flow, socket.bytesRead, socket.bytesWritten);
    }
    const end = await terminateClientTls(socket, hello.head, forged.context, {
      timeoutMs: this.timeouts.handshakeMs,
      onKeylog: (line) => this.records.keylog(line.toString('latin1')),
    });
    if (!end.ok) {
      this.clientFailure(flow, end.failure, end.message);
      return this.whenClosed(socket, flow);
    }
    flow.handshakeDone = true;
    this.record({ type: 'client-tls-ok', flow: flow.id, time: now(), protocol: end.protocol, cipher: end.cipher });
    end.tls.once('close', () => {
      // Completed the handshake, then left without a request: how Node and pinned clients refuse.
      if (flow.requests === 0) this.clientFailure(flow, 'closed-after-handshake', 'the client completed the handshake and hung up without sending a request');
    });
    this.whenClosed(socket, flow);
    engine.takeTls(flow, end.tls);
  }

  private async acceptHttp(socket: Socket, flow: Flow): Promise<void> {
    let head: Buffer;
    try {
      head = await firstBytes(socket, this.timeouts.clientHelloMs);
    } catch (err) {
      this.record({ type: 'garbage', time: now(), client: flow.client, port: socket.localPort ?? 0, message: (err as Error).message });
      socket.destroy();
      return;
    }
    if (head[0] === 0x16) {
      this.record({ type: 'garbage', time: now(), client: flow.client, port: socket.localPort ?? 0, message: 'TLS sent to the plain-HTTP port' });
      socket.destroy();
      return;
    }
    if (this.opts.policy.blocks(flow.destinationName)) {
      this.connectionEvent(flow, null, 'block', `plain HTTP to ${flow.destinationName}, which is on the block list: the box resets the connection`);
      return this.reset(socket, flow);
    }
    this.connectionEvent(flow, null, 'pass', 'plain HTTP: everything in it is readable');
    const engine = await this.mitm();
    if (socket.destroyed) return this.closedEvent(flow, socket.bytesRead, socket.bytesWritten);
    this.whenClosed(socket, flow);
    engine.takePlain(flow, socket, head);
  }

  /** A TCP reset, what OONI saw Kazakh ISPs send for blocked names (connection_reset). */
  private reset(socket: Socket, flow: Flow): void {
    this.closedEvent(flow, socket.bytesRead, socket.bytesWritten);
    socket.resetAndDestroy();
  }

  private clientFailure(flow: Flow, failure: Extract<InterceptorEvent, { type: 'client-tls-failed' }>['failure'], message: string): void {
    if (flow.failureRecorded) return;
    flow.failureRecorded = true;
    this.record({ type: 'client-tls-failed', flow: flow.id, time: now(), failure, message });
  }

  private whenClosed(socket: Socket, flow: Flow): void {
    if (socket.destroyed) return this.closedEvent(flow, socket.bytesRead, socket.bytesWritten);
    socket.once('close', () => this.closedEvent(flow, socket.bytesRead, socket.bytesWritten));
  }

  private connectionEvent(flow: Flow, ja4: string | null, decision: TlsDecision | 'refused', reason: string): void {
    this.record({
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
    this.record({ type: 'closed', flow: flow.id, time: now(), bytesFromClient: fromClient, bytesFromServer: fromServer, requests: flow.requests });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    if (this.engine) (await this.engine.catch(() => null))?.close();
    this.records.close();
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
