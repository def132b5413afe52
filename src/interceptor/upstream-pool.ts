/**
 * The box's pool of upstream TLS connections: Node's HTTPS agent (one pool per destination and
 * SNI, keep-alive, capped), which knows what the device's own look at each real server found
 * (upstream-probe.ts).
 *
 * - Speed: the look is a full TLS handshake the device made for every name it saw (Raman et
 *   al.); its connection, kept open, carries the first request forwarded under that name, and
 *   its session is resumed by the next connection the pool opens. A never-seen name costs one
 *   upstream handshake, as in mitmproxy, instead of two.
 * - Faithfulness: the device forwarded to the server it had looked at, whatever names that
 *   server's certificate held (a targeted SNI sent to another server was forged in that server's
 *   names, and the session went on). So a forwarding connection accepts the very certificate the
 *   look found (when its chain is trusted) even if it does not name the SNI; any other
 *   certificate must name it, as Node checks by default.
 */
import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { Endpoint } from './events.ts';
import type { UpstreamCertificate } from './upstream-probe.ts';

/** A kept look unused this long is closed: the request it was kept for comes within milliseconds. */
const OPEN_LOOK_IDLE_MS = 5_000;
/** Looks remembered at most (per destination and name): the oldest go first. */
const LOOK_LIMIT = 10_000;

interface Look {
  /** The real certificate the look found. */
  certDer: Buffer;
  /** Its session, until a connection of the pool has resumed it. */
  session: Buffer | null;
  /** Its connection, until a request has taken it (or it idled out). */
  open: { socket: TLSSocket; timer: NodeJS.Timeout } | null;
}

export class UpstreamPool extends HttpsAgent {
  private readonly looks = new Map<string, Look>();

  constructor(
    options: AgentOptions,
    private readonly checksUpstream: boolean,
    private readonly onKeylog: (line: Buffer) => void,
  ) {
    super(options);
    this.on('keylog', onKeylog);
  }

  /**
   * What the device's look found at this destination under this name. When the box checks
   * upstream certificates, a look whose chain the web does not trust leaves nothing: no
   * connection or session of it may carry a request (a resumed session skips every check).
   */
  addLook(destination: Endpoint, servername: string, look: Pick<UpstreamCertificate, 'certDer' | 'trusted' | 'session' | 'connection'>): void {
    const key = poolKey(destination.address, destination.port, servername);
    const open = look.connection;
    // A new look replaces an old one (the old was forgotten, or failed and is looked at again).
    this.forget(key);
    if (!look.certDer || (this.checksUpstream && !look.trusted)) {
      open?.socket.destroy();
      return;
    }
    if (this.looks.size >= LOOK_LIMIT) this.forget(this.looks.keys().next().value!);
    const entry: Look = { certDer: look.certDer, session: look.session ?? null, open: null };
    if (open && !open.socket.destroyed) {
      const { socket } = open;
      for (const line of open.keylog) this.onKeylog(line);
      const timer = setTimeout(() => this.dropOpen(entry), OPEN_LOOK_IDLE_MS);
      entry.open = { socket, timer };
      socket.once('close', () => this.dropOpen(entry));
    }
    this.looks.set(key, entry);
  }

  /** Node's agent asks for a new connection: the kept look first, then one resuming its session. */
  override createConnection(options: RequestOptions, callback?: (err: Error | null, socket: Duplex) => void): Duplex | null | undefined {
    const key = poolKey(options.host ?? '', Number(options.port ?? 0), options.servername ?? '');
    const look = this.looks.get(key);
    if (look?.open && !look.open.socket.destroyed) {
      const { socket, timer } = look.open;
      clearTimeout(timer);
      look.open = null;
      return socket;
    }
    const session = look?.session && !('session' in options) ? look.session : null;
    if (look) look.session = null;
    const checked = {
      ...options,
      ...(session ? { session } : {}),
      checkServerIdentity: (name: string, cert: PeerCertificate) => (look && cert.raw?.equals(look.certDer) ? undefined : checkServerIdentity(name, cert)),
    };
    return super.createConnection(checked, callback);
  }

  override destroy(): void {
    for (const key of [...this.looks.keys()]) this.forget(key);
    super.destroy();
  }

  private dropOpen(look: Look): void {
    if (!look.open) return;
    clearTimeout(look.open.timer);
    look.open.socket.destroy();
    look.open = null;
  }

  private forget(key: string): void {
    const look = this.looks.get(key);
    if (look) this.dropOpen(look);
    this.looks.delete(key);
  }
}

function poolKey(host: string, port: number, servername: string): string {
  return `${host}:${port}/${servername}`;
}
