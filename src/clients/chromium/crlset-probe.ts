/**
 * Knowing when Chromium has loaded the CRLSet, without a sleep.
 *
 * The component installer reads the CRLSet from the profile on a best-effort task that Chromium
 * runs only once the browser has been idle for a moment: measured with Chromium 156, a first
 * page load 3 s after launch was refused, one at 2.5 s was not; polling every 1.5 s kept the
 * CRLSet out for a whole minute, polling every 2 s had it in force at the second try. Until
 * then the state root is not blocked. So the client first visits a probe: a loopback HTTPS
 * server whose certificate
 * chains to a throwaway CA, trusted in this client's NSS database and listed in the same
 * CRLSet. While the probe loads, the CRLSet is not in force; once Chromium answers
 * ERR_CERT_REVOKED for it, it is. Every try uses a new host name (p1., p2., …) so neither a
 * kept-alive socket nor Chromium's cached verification can answer for the CRLSet.
 *
 * The probe CA is constrained to crlset-probe.test, its key lives only in this process and is
 * dropped when the probe stops, and the CRLSet itself revokes it: it can vouch for nothing.
 * The interceptor never sees the probe (it is not on any line into the ISP box).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { createRoot, issueServerCertificate } from '../../pki/authority.ts';
import { generateRsaKey } from '../../pki/keys.ts';
import { systemEntropy } from '../../pki/randomness.ts';
import { spkiSha256 } from './crlset.ts';
import { ChromiumClientError } from './errors.ts';

const PROBE_DOMAIN = 'crlset-probe.test';
/** Long enough between tries for Chromium to count as idle (see above: 1.5 s is not, 2 s is). */
const POLL_MS = 3_000;

export class CrlSetProbe {
  private tries = 0;

  private constructor(
    private readonly server: Server,
    readonly caPem: string,
    readonly caSpki: string,
    readonly port: number,
  ) {}

  static async start(): Promise<CrlSetProbe> {
    const [caKey, leafKey] = await Promise.all([generateRsaKey(2048), generateRsaKey(2048)]);
    const now = systemEntropy.now().getTime();
    const ca = createRoot({
      name: [{ shortName: 'CN', value: 'tls-interception-lab CRLSet probe (revoked by its own CRLSet)' }],
      key: caKey,
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 86_400_000),
      entropy: systemEntropy,
      nameConstraints: { permittedDns: [PROBE_DOMAIN], excludeAllIp: true },
    });
    const leaf = issueServerCertificate(ca, { names: [`*.${PROBE_DOMAIN}`], key: leafKey, entropy: systemEntropy });
    const server = createServer({ key: leafKey.privateKeyPem, cert: [leaf.pem, ca.cert.pem].map((p) => p.trim()).join('\n') + '\n' }, (_req, res) => {
      // A new connection for every try (Connection: close), so each one is verified afresh.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', Connection: 'close' });
      res.end('<!doctype html><title>CRLSet probe</title>');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new CrlSetProbe(server, ca.cert.pem, spkiSha256(ca.cert.pem), (server.address() as AddressInfo).port);
  }

  /** The resolver rule that sends the probe names to the probe (must come before `MAP * ~NOTFOUND`). */
  hostRule(): string {
    return `MAP *.${PROBE_DOMAIN}:443 127.0.0.1:${this.port}`;
  }

  /** Visit the probe in a tab of its own until Chromium calls it revoked. Returns the time taken. */
  async waitUntilInForce(context: BrowserContext, timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    const page = await context.newPage();
    try {
      for (;;) {
        const url = `https://p${++this.tries}.${PROBE_DOMAIN}/`;
        const error = await page.goto(url, { timeout: 10_000 }).then(
          () => null,
          (err: Error) => err.message,
        );
        if (error?.includes('net::ERR_CERT_REVOKED')) return Date.now() - started;
        if (error) {
          throw new ChromiumClientError('TLSLAB_CHROMIUM_CRLSET_NOT_LOADED', `the CRLSet probe failed in an unexpected way: ${error.split('\n')[0]}`);
        }
        if (Date.now() - started > timeoutMs) {
          throw new ChromiumClientError(
            'TLSLAB_CHROMIUM_CRLSET_NOT_LOADED',
            `Chromium did not load the CRLSet from the profile within ${timeoutMs / 1000} s, so it would not block the state root`,
          );
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
