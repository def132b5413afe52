/**
 * Every request the person's tab makes that matters to the lab (page loads, the page's own
 * fetch() calls, WebSockets) becomes an `Attempt`, from the DevTools protocol's Network
 * events: the status, the issuer of the certificate the browser accepted
 * (`securityDetails.issuer`), or the browser's error (`net::ERR_…`). A browser does not tell
 * which local port each request used, so `local` stays null; the runtime joins these with the
 * interceptor's records by line and step window instead.
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import type { Attempt } from '../http-client.ts';

/** Resource types worth an Attempt; images, styles and the favicon are not. */
const RECORDED_TYPES = new Set(['Document', 'Fetch', 'XHR']);

interface CdpResponse {
  url: string;
  status: number;
  headers?: Record<string, string>;
  securityDetails?: { issuer?: string; subjectName?: string };
}

export class AttemptRecorder {
  private attempts: Attempt[] = [];
  private readonly open = new Map<string, Attempt>();
  /** Issuer last seen per host: a WebSocket handshake reports no certificate of its own. */
  private readonly issuers = new Map<string, string>();
  /** Issuer of the certificate behind what the tab shows now, refused ones included. */
  private visible: string | null = null;

  private constructor(private readonly cdp: CDPSession) {}

  static async attach(context: BrowserContext, page: Page): Promise<AttemptRecorder> {
    const cdp = await context.newCDPSession(page);
    const recorder = new AttemptRecorder(cdp);
    recorder.listen();
    await cdp.send('Network.enable');
    await cdp.send('Security.enable');
    return recorder;
  }

  /**
   * The issuer of the certificate the tab's security state is about (DevTools
   * `Security.visibleSecurityStateChanged`): also set for a certificate Chromium refused, which
   * no Network event reports.
   */
  visibleIssuer(): string | null {
    return this.visible;
  }

  /** The attempts recorded since the last call. */
  take(): Attempt[] {
    const taken = this.attempts;
    this.attempts = [];
    this.open.clear();
    return taken;
  }

  /** The most recent attempt that failed: the one an error page is about. */
  lastFailed(): Attempt | undefined {
    return [...this.attempts].reverse().find((a) => a.error !== null && a.scheme !== 'wss');
  }

  /** The most recent attempt for this URL (to add what the error page said). */
  lastFor(url: string): Attempt | undefined {
    return [...this.attempts].reverse().find((a) => a.url === url);
  }

  private listen(): void {
    this.cdp.on('Network.requestWillBeSent', (e: { requestId: string; type?: string; request: { url: string }; redirectResponse?: CdpResponse }) => {
      const previous = this.open.get(e.requestId);
      if (previous && e.redirectResponse) this.respond(previous, e.redirectResponse);
      this.open.delete(e.requestId);
      if (!RECORDED_TYPES.has(e.type ?? '')) return;
      const url = new URL(e.request.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return;
      const attempt: Attempt = {
        site: url.hostname,
        url: url.href,
        scheme: url.protocol === 'https:' ? 'https' : 'http',
        local: null,
        issuer: null,
        error: null,
        status: null,
      };
      this.attempts.push(attempt);
      this.open.set(e.requestId, attempt);
    });
    this.cdp.on('Network.responseReceived', (e: { requestId: string; response: CdpResponse }) => {
      const attempt = this.open.get(e.requestId);
      if (attempt) this.respond(attempt, e.response);
      else this.rememberIssuer(e.response);
    });
    this.cdp.on('Network.loadingFailed', (e: { requestId: string; errorText: string; canceled?: boolean }) => {
      const attempt = this.open.get(e.requestId);
      if (!attempt || attempt.status !== null) return;
      attempt.error = { code: e.errorText, message: e.canceled ? `${e.errorText} (cancelled)` : e.errorText };
    });
    this.cdp.on('Security.visibleSecurityStateChanged', (e: { visibleSecurityState: { certificateSecurityState?: { issuer?: string } } }) => {
      this.visible = e.visibleSecurityState.certificateSecurityState?.issuer ?? null;
    });
    this.cdp.on('Network.webSocketCreated', (e: { requestId: string; url: string }) => {
      const url = new URL(e.url);
      const attempt: Attempt = {
        site: url.hostname,
        url: url.href,
        scheme: 'wss',
        local: null,
        issuer: this.issuers.get(url.hostname) ?? null,
        error: null,
        status: null,
      };
      this.attempts.push(attempt);
      this.open.set(`ws:${e.requestId}`, attempt);
    });
    this.cdp.on('Network.webSocketHandshakeResponseReceived', (e: { requestId: string; response: { status: number } }) => {
      const attempt = this.open.get(`ws:${e.requestId}`);
      if (attempt) attempt.status = e.response.status;
    });
    this.cdp.on('Network.webSocketFrameError', (e: { requestId: string; errorMessage: string }) => {
      const attempt = this.open.get(`ws:${e.requestId}`);
      if (attempt && !attempt.error) attempt.error = { code: 'WS_ERROR', message: e.errorMessage };
    });
  }

  private respond(attempt: Attempt, response: CdpResponse): void {
    attempt.status = response.status;
    // Chromium answers some requests itself, without the network: an HSTS upgrade of http://
    // to https:// is a "307 Internal Redirect" with this header (net/url_request/url_request_http_job.cc).
    const reason = response.headers?.['Non-Authoritative-Reason'];
    if (reason) attempt.note = `answered by the browser itself (${reason}): nothing was sent over the network`;
    attempt.issuer = response.securityDetails?.issuer ?? null;
    this.rememberIssuer(response);
  }

  private rememberIssuer(response: CdpResponse): void {
    const issuer = response.securityDetails?.issuer;
    if (issuer) this.issuers.set(new URL(response.url).hostname, issuer);
  }
}
