/**
 * A host Chromium beside a docker lab that is starting: Docker adds interfaces in bursts (a bridge,
 * a veth pair per container), and Chromium's NetworkChangeNotifier aborts a load in flight on the
 * first change with net::ERR_NETWORK_CHANGED. A navigation survives it (Chromium loads it once
 * more by itself, and the later changes do not abort it): the page is shown and the report holds
 * no failed attempt. The changes are real: veth pairs with addresses, made mid-load (needs root).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromiumClient } from '../../src/clients/chromium/chromium-client.ts';
import { createLabPki, type LabPki } from '../../src/pki/lab-pki.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { whyChromiumIsMissing } from '../support/chromium-available.ts';

const missing = whyChromiumIsMissing() ?? (process.getuid?.() === 0 ? null : 'adding a network interface needs root');
if (missing) console.warn(`[test/browser/network-changed] skipping: ${missing}`);

describe.skipIf(missing !== null)('interfaces added on the machine during a load, as Docker adds them', () => {
  const link = `tlsnc${randomBytes(2).toString('hex')}`; // a name under 15 characters with its suffixes
  const workDir = mkdtempSync(join(tmpdir(), 'tlslab-netchange-'));
  let server: Server;
  let requests = 0;
  let made = 0;
  const change = (n: number) => {
    const name = `${link}${n}`;
    execFileSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
    execFileSync('ip', ['addr', 'add', `192.0.2.${70 + n}/32`, 'dev', name]);
    execFileSync('ip', ['link', 'set', name, 'up']);
  };
  let pki: LabPki;

  beforeAll(async () => {
    // The browser's trust store needs real roots, though the page is plain HTTP.
    pki = await createLabPki({ dir: join(workDir, 'pki'), profile: (await resolveScenario('kz-2019')).stateCa, siteNames: [], keyPoolSize: 0 });
    server = createServer((req, res) => {
      requests++;
      // Docker makes several interfaces in a row: Chromium retries a navigation once by itself
      // after a change; a second change mid-load surfaces as the error.
      if (requests <= 2) {
        // A burst, as Docker's: a bridge, then a veth pair per container.
        for (let i = 0; i < 5; i++) setTimeout(() => change(++made), i * 300);
        setTimeout(() => res.end('<title>Slow page</title>late'), 2_000);
        return;
      }
      res.end('<title>Slow page</title>on time');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  afterAll(() => {
    server?.close();
    pki?.close();
    for (let n = 1; n <= made; n++) {
      try {
        execFileSync('ip', ['link', 'del', `${link}${n}`], { stdio: 'ignore' });
      } catch {
        /* never made */
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  it('the page loads, once more by Chromium itself, and the report holds no failed attempt', { timeout: 60_000 }, async () => {
    const port = (server.address() as AddressInfo).port;
    const client = await ChromiumClient.launch(
      {
        name: 'browser',
        network: { resolve: (host) => (host === 'slow.example' ? { address: '127.0.0.1', port } : null), names: ['slow.example'] },
        roots: { web: pki.webRoot.cert.pem, state: pki.stateRoot.cert.pem },
        workDir,
      },
      { trusts: ['web'], distrust: false },
    );
    try {
      const run = await client.runStep({ id: 'slow', title: 'slow', action: { kind: 'browse', url: 'http://slow.example/' } });
      // The first load was aborted by the change (the server saw it again), the second shown.
      expect(requests).toBe(2);
      expect(run.summary).toBe('200 http://slow.example/ "Slow page"');
      expect(run.attempts.map((a) => a.error?.code ?? a.status)).not.toContain('net::ERR_NETWORK_CHANGED');
      expect(run.attempts.at(-1)).toMatchObject({ site: 'slow.example', status: 200, error: null });
    } finally {
      await client.close();
    }
  });
});
