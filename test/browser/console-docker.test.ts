/**
 * The console on the docker runtime, in real headless Chromium: a client's terminal opens an
 * interactive shell in that subscriber's container, and curl typed there goes through the ISP
 * box like the subscriber's own traffic. Screenshot saved to a temp folder (printed).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startConsoleServer, type ConsoleServer } from '../../src/console/server.ts';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { dockerMissing } from '../docker/docker-available.ts';

describe.skipIf(dockerMissing !== null)('tlslab console --runtime docker', () => {
  let lab: Lab;
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    const scenario = await resolveScenario('kz-2019');
    scenario.clients = scenario.clients.filter((c) => c.name === 'no-cert' || c.name === 'installed-cert');
    scenario.expect = [];
    lab = await startLab(scenario, { runtime: 'docker' });
    server = await startConsoleServer({ lab, port: 0 });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await lab?.stop();
  });

  it('a Shell button opens bash in the client container; curl there is intercepted', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
    await page.click('button[data-shell="installed-cert"]');
    const shellText = () => (globalThis as any).document.querySelector('.term.shell-open .xterm-host:not([hidden]) .xterm-rows')?.textContent ?? '';
    await page.waitForFunction(`(${shellText.toString()})().includes('#')`, null, { timeout: 30_000 });
    await page.keyboard.type(
      "curl -sS -d 'username=alice&password=Almaty-2019!' https://bank.example/login -o /dev/null -w '%{http_code} %{certs}' | grep -E '^(302|Issuer)'\n",
    );
    await page.waitForFunction(`(${shellText.toString()})().includes('Security Certificate')`, null, { timeout: 30_000 });
    const shot = join(await mkdtemp(join(tmpdir(), 'tlslab-console-docker-')), 'shell.png');
    await page.screenshot({ path: shot });
    console.log(`console (docker runtime) screenshot: ${shot}`);
    // What the ISP box read from the hand-typed request, in its own terminal.
    await page.waitForFunction(() => (globalThis as any).tlslab.text('isp').includes('password=Almaty-2019!'), null, { timeout: 15_000 });
    await page.close();
  });

  it('refuses a shell into anything but a client container, and from another origin', async () => {
    const status = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(server.url.replace('http', 'ws') + path.slice(1), { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => resolve(-1));
      });
    expect(await status('/shell?client=isp')).toBe(404);
    expect(await status('/shell?client=bank')).toBe(404);
    expect(await status('/shell?client=no-cert', { origin: 'http://evil.example' })).toBe(401);
    expect(await status('/shell?client=no-cert')).toBe(101);
  });
});
