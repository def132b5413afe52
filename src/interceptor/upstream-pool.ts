/**
 * The box's pool of upstream TLS connections: Node's HTTPS agent (one pool per destination and
 * SNI, keep-alive, capped), which can also be seeded by the device's own look at a real server
 * (upstream-probe.ts). The look is a full TLS handshake the device made for every name it saw
 * (Raman et al.); its connection, kept open, carries the first request forwarded under that
 * name, and its session is resumed by the next connection the pool opens. A never-seen name
 * then costs one upstream handshake, as it does in mitmproxy, instead of two.
 */
import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Endpoint } from './events.ts';
import type { UpstreamCertificate } from './upstream-probe.ts';

/** A kept look unused this long is closed: the request it was kept for comes within milliseconds. */
const OPEN_LOOK_IDLE_MS = 5_000;
/** Seeds remembered at most (per destination and name): the oldest go first. */
const SEED_LIMIT = 10_000;

interface Seed {
  session: Buffer | null;
  open: { socket: TLSSocket; timer: NodeJS.Timeout } | null;
}

export class UpstreamPool extends HttpsAgent {
  private readonly seeds = new Map<string, Seed>();

  constructor(
    options: AgentOptions,
    private readonly checksUpstream: boolean,
    private readonly onKeylog: (line: Buffer) => void,
  ) {
    super(options);
    this.on('keylog', onKeylog);
  }

  /**
   * What the device's look left for the pool of this destination and name: its session, and
   * its connection when one was kept. Either is used only if the pool would have accepted the
   * look's handshake itself: when the box checks upstream certificates, a chain the web trusts
   * for that very name. (A resumed session skips Node's name check, so a session from a look
   * that did not check the name would carry requests to a server the box should have refused.)
   */
  seed(destination: Endpoint, servername: string, look: Pick<UpstreamCertificate, 'trusted' | 'namesServer' | 'session' | 'connection'>): void {
    const key = poolKey(destination.address, destination.port, servername);
    const open = look.connection;
    if (this.checksUpstream && !(look.trusted && look.namesServer)) {
      open?.socket.destroy();
      return;
    }
    // A new look replaces an old one (the old was forgotten, or failed and is looked at again).
    this.forget(key);
    if (this.seeds.size >= SEED_LIMIT) this.forget(this.seeds.keys().next().value!);
    const seed: Seed = { session: look.session ?? null, open: null };
    if (open && !open.socket.destroyed) {
      const { socket } = open;
      for (const line of open.keylog) this.onKeylog(line);
      const timer = setTimeout(() => this.dropOpen(seed), OPEN_LOOK_IDLE_MS);
      seed.open = { socket, timer };
      socket.once('close', () => this.dropOpen(seed));
    }
    this.seeds.set(key, seed);
  }

  /** Node's agent asks for a new connection: the kept look first, then one resuming its session. */
  override createConnection(options: RequestOptions, callback?: (err: Error | null, socket: Duplex) => void): Duplex | null | undefined {
    const key = poolKey(options.host ?? '', Number(options.port ?? 0), options.servername ?? '');
    const seed = this.seeds.get(key);
    if (seed?.open && !seed.open.socket.destroyed) {
      const { socket, timer } = seed.open;
      clearTimeout(timer);
      seed.open = null;
      return socket;
    }
    if (seed?.session && !('session' in options)) {
      const session = seed.session;
      seed.session = null;
      return super.createConnection({ ...options, session } as RequestOptions, callback);
    }
    return super.createConnection(options, callback);
  }

  override destroy(): void {
    for (const key of [...this.seeds.keys()]) this.forget(key);
    super.destroy();
  }

  private dropOpen(seed: Seed): void {
    if (!seed.open) return;
    clearTimeout(seed.open.timer);
    seed.open.socket.destroy();
    seed.open = null;
  }

  private forget(key: string): void {
    const seed = this.seeds.get(key);
    if (seed) this.dropOpen(seed);
    this.seeds.delete(key);
  }
}

function poolKey(host: string, port: number, servername: string): string {
  return `${host}:${port}/${servername}`;
}
