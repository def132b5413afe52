/**
 * The requests the box is still reading. A client may have its answer a moment before the box
 * has recorded the end of that answer (the last body bytes are read on the same 'end' that
 * relays them); whoever joins the client's view with the box's records waits for `idle()`, the
 * box's own word that nothing begun is still being read, rather than for a guessed pause.
 */
/**
 * The longest a join waits for the box to finish recording what it is reading (Lab.settled):
 * a request still open after this is one an origin or a client holds open, which the box's own
 * timeouts end; its records join a later read.
 */
export const SETTLE_LIMIT_MS = 2_000;

export class ReadsInFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  /** Called when the box goes from idle to reading (true) and back (false): a box in a machine of its own writes these down for the host to read. */
  constructor(private readonly onBusyChange: (busy: boolean) => void = () => undefined) {}

  /** One request began; the function returned ends it (once, however often it is called). */
  begin(): () => void {
    if (this.count++ === 0) this.onBusyChange(true);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.count > 0) return;
      this.onBusyChange(false);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    };
  }

  get reading(): number {
    return this.count;
  }

  /**
   * Resolves true once no request is being read, or false after `limitMs` (a request an origin
   * never answers is ended by the box's own timeouts, not waited for here).
   */
  idle(limitMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, limitMs);
      this.waiters.push(done);
    });
  }
}
