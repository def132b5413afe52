/**
 * The device's own looks at real servers (Raman et al., IMC 2020: the box fetched the real
 * certificate with a ClientHello of its own before deciding): one per destination and name,
 * shared by every connection that asks meanwhile, and its ClientHello graded once.
 */
import type { Endpoint } from './events.ts';
import { gradeHello, type GradeResult } from './grade.ts';
import { deviceHello, fetchUpstreamCertificate, type UpstreamCertificate } from './upstream-probe.ts';

/** The device's look at real servers is remembered for this many destination and name pairs. */
const CACHE_LIMIT = 10_000;

export interface LookSinks {
  /**
   * A look finished; its open connection (if any) is offered for the first request forwarded
   * under the name. Returns true when taken; otherwise the connection is closed here.
   */
  found: (destination: Endpoint, sni: string, look: UpstreamCertificate) => boolean;
  /** The device's ClientHello, graded once, when the first look reaches a server. */
  graded: (destination: Endpoint, grade: GradeResult) => void;
}

export class UpstreamLooks {
  private readonly cache = new Map<string, Promise<UpstreamCertificate>>();
  private graded = false;

  constructor(
    private readonly roots: string[],
    private readonly sinks: LookSinks,
  ) {}

  /** The look at this server under this name (cached; a failed look is not, the server may be starting). */
  look(destination: Endpoint, sni: string): Promise<UpstreamCertificate> {
    const key = `${destination.address}:${destination.port}/${sni}`;
    let cached = this.cache.get(key);
    if (!cached) {
      cached = fetchUpstreamCertificate(destination, sni, this.roots, { keepConnection: true });
      const oldest = this.cache.keys().next().value;
      if (this.cache.size >= CACHE_LIMIT && oldest !== undefined) this.cache.delete(oldest);
      this.cache.set(key, cached);
      // The look never rejects (every way it ends resolves, failures included); the caller awaits it too.
      void cached.then((r) => {
        if (!r.certDer) this.cache.delete(key);
        this.handOver(destination, sni, r);
        if (r.reached) this.grade(destination);
      });
    }
    return cached;
  }

  /** The open connection goes with the look to whoever takes it, once; the cached look keeps none. */
  private handOver(destination: Endpoint, sni: string, look: UpstreamCertificate): void {
    const left = { ...look };
    delete look.connection;
    if (!this.sinks.found(destination, sni, left)) left.connection?.socket.destroy();
  }

  private grade(destination: Endpoint): void {
    if (this.graded) return;
    this.graded = true;
    // Never rejects: a hello that cannot be read resolves null.
    void deviceHello(this.roots).then((hello) => {
      if (hello) this.sinks.graded(destination, gradeHello(hello));
    });
  }
}
