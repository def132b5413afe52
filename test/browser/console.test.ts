/**
 * The classroom console in real headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core; never a downloaded browser): a teacher clicks through kz-2019 to the bank
 * login, and the page shows what the state read and what the subscriber without the state
 * root saw. Screenshots are saved to a temp folder (printed) for people to look at.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadMatrixView, matrixView } from '../../src/console/matrix-view.ts';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../src/console/protocol.ts';
import { startConsoleServer, type ConsoleServer } from '../../src/console/server.ts';
import type { Lab } from '../../src/runtime/lab.ts';
import type { MatrixReport } from '../../src/scenario/matrix.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { wsText } from '../../src/ws-text.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const runBrowser = haveChromium || process.env.CI === 'true'; // in CI a missing Chromium fails, never skips
if (!runBrowser) console.log(`console browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Nothing leaves the machine: every name fails to resolve; the console is an IP literal.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const PASSWORD = 'username=alice&password=Almaty-2019!';
/** A classroom projector, a large one, and a phone. */
const VIEWPORTS = [
  [1280, 720],
  [1920, 1080],
  [390, 844],
] as const;

type Box = { x: number; y: number; width: number; height: number };
const inside = (a: Box, b: Box) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
/** A step runs for every client of kz-2019 one after the other, real Chromium ones included. */
const STEP_TIMEOUT = 120_000;

/** A two-by-two slice of a `tlslab matrix --json` result, as the CLI writes it. */
const SMALL_MATRIX: MatrixReport = {
  variants: [
    { name: 'kz-2019', title: 'Kazakhstan, July 2019', explain: 'forges for targeted names', upstreamGrade: 'B' },
    { name: 'baseline', title: 'No interception', explain: 'passes everything', upstreamGrade: null },
  ],
  clients: [
    { name: 'installed-cert', description: 'installed the state root' },
    { name: 'chrome-2019', description: 'Chrome after the 2019 distrust' },
  ],
  sites: ['bank.example'],
  cells: [
    {
      variant: 'kz-2019',
      client: 'installed-cert',
      site: 'bank.example',
      outcome: 'exposed',
      cause: null,
      error: null,
      issuer: 'Security Certificate',
      why: '',
    },
    {
      variant: 'kz-2019',
      client: 'chrome-2019',
      site: 'bank.example',
      outcome: 'refused',
      cause: 'distrusted-root',
      error: 'net::ERR_CERT_REVOKED',
      issuer: 'Security Certificate',
      why: '',
    },
    {
      variant: 'baseline',
      client: 'installed-cert',
      site: 'bank.example',
      outcome: 'untouched',
      cause: null,
      error: null,
      issuer: 'Lab TLS Issuing CA 1',
      why: '',
    },
    {
      variant: 'baseline',
      client: 'chrome-2019',
      site: 'bank.example',
      outcome: 'untouched',
      cause: null,
      error: null,
      issuer: 'Lab TLS Issuing CA 1',
      why: '',
    },
  ],
  expectations: [],
  passed: true,
  durationMs: 1,
};

let lab: Lab;
let server: ConsoleServer;

beforeAll(async () => {
  lab = await startLab(await resolveScenario('kz-2019'));
  server = await startConsoleServer({ lab, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await lab?.stop();
});

const text = (page: Page, terminal: string) => page.evaluate((id) => (globalThis as any).tlslab.text(id) as string, terminal);
const ready = (page: Page) => page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });

/** Click a walkthrough button and wait until the step it started has finished. */
async function click(page: Page, button: 'next' | 'back' | 'run', position: number): Promise<void> {
  await page.click(`#${button}`);
  await page.waitForFunction(
    (p) => {
      const body = (globalThis as any).document.body;
      return body.dataset.position === String(p) && body.dataset.running === 'false';
    },
    position,
    { timeout: STEP_TIMEOUT },
  );
  await server.session.settled();
}

describe.skipIf(!runBrowser)('the console in headless Chromium', () => {
  let browser: Browser;
  let first: Page;
  let shots: string;

  beforeAll(async () => {
    shots = await mkdtemp(join(tmpdir(), 'tlslab-console-shots-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    first = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  });
  afterAll(async () => {
    await browser?.close();
    if (shots) console.log(`console screenshots: ${shots}`);
  });

  it('opens on the introduction with every host of the topology', async () => {
    const t0 = Date.now();
    await first.goto(server.url);
    await ready(first);
    console.log(`console page ready in ${Date.now() - t0} ms (lab already up)`);
    expect(await first.textContent('#step-title')).toContain('Qaznet Trust Network');
    for (const host of ['no-cert', 'installed-cert', 'bank.example', 'news.example']) {
      expect(await first.locator(`#topology [data-host="${host}"]`).count()).toBe(1);
    }
    expect(await first.isDisabled('#back')).toBe(true);
    await first.screenshot({ path: join(shots, '1-introduction.png') });
  });

  it(
    'walks to the bank login: the ISP terminal shows the password, the subscriber without the root is refused',
    async () => {
      await click(first, 'next', 0);
      await click(first, 'next', 1);
      await first.click('#next');
      // While it runs, the acting subscriber, the ISP box and the bank glow in the topology.
      await first.waitForSelector('#topology .host.acting[data-host="bank.example"]');
      expect(await first.locator('#topology .host.acting').count()).toBe(3);
      await first.screenshot({ path: join(shots, '2a-bank-login-running.png') });
      await first.waitForFunction(() => (globalThis as any).document.body.dataset.running === 'false', undefined, { timeout: STEP_TIMEOUT });
      await server.session.settled();
      expect(await first.textContent('#step-title')).toBe('Logging in to the bank');
      expect(await text(first, 'isp')).toContain(`bank.example credential: ${PASSWORD}`);
      expect(await text(first, 'client:no-cert')).toMatch(/unable to get local issuer certificate|refused/);
      expect(await text(first, 'client:installed-cert')).toContain('EXPOSED');
      expect(await first.textContent('.card[data-client="no-cert"] .outcome')).toBe('REFUSED');
      expect(await first.textContent('.card[data-client="installed-cert"] .outcome')).toBe('EXPOSED');
      // Trust at a glance, and what the state read pinned where the class can see it.
      expect(await first.textContent('.card[data-client="no-cert"] .trust')).toBe('no state root');
      expect(await first.textContent('.card[data-client="chromium-2019"] .card-trust')).toContain('Chrome 2019 block list');
      expect(await first.textContent('[data-read="installed-cert"] .read-item.password .value')).toBe('username alice · password Almaty-2019!');
      expect(await first.locator('[data-read="no-cert"]').count()).toBe(0);
      // Chromium's screenshot of the step, on its card and beside its terminal, served by the console.
      const thumb = first.locator('.card[data-client="chromium-installed"] img.thumb');
      await expect.poll(() => thumb.evaluate((img: any) => (img.complete ? (img.naturalWidth as number) : 0))).toBeGreaterThan(100);
      expect(await first.locator('[data-shots="chromium-installed"] img').count()).toBeGreaterThan(0);
      expect(await text(first, 'sites')).toContain('POST https://bank.example/login');
      // The forged-versus-original diff, from the box's 'forged' event.
      expect(await first.textContent('#diff-body')).toContain('Security Certificate');
      await first.screenshot({ path: join(shots, '2-bank-login.png') });
      await first.locator('#diff').scrollIntoViewIfNeeded();
      await first.screenshot({ path: join(shots, '3-certificate-diff.png') });
    },
    4 * STEP_TIMEOUT,
  );

  for (const [width, height] of VIEWPORTS) {
    it(`fits a ${width}×${height} screen: controls, subscribers and what the state read in view, nothing overlapping`, async () => {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.goto(server.url);
      await ready(page);
      await page.waitForSelector('[data-read="installed-cert"] .read-item.password');
      const view = { x: 0, y: 0, width, height };
      const box = async (selector: string) => {
        const b = await page.locator(selector).first().boundingBox();
        if (!b) throw new Error(`${selector} is not on the page`);
        return b;
      };
      // Never a page wider than the screen (no sideways scrolling, on a phone either).
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).toBeLessThanOrEqual(width);
      for (const control of ['#next', '#back', '#run', '#step-counter']) expect(inside(await box(control), view), control).toBe(true);
      if (width >= 1280) {
        // The stage is one screen: every subscriber's card, the password the state read and the ISP box's log.
        const cards = await page.locator('.card').all();
        expect(cards.length).toBe(9);
        const boxes = await Promise.all(cards.map(async (c) => (await c.boundingBox())!));
        for (const [i, b] of boxes.entries()) {
          expect(inside(b, view), `card ${i} in view`).toBe(true);
          for (const other of boxes.slice(i + 1)) expect(overlaps(b, other)).toBe(false);
          expect(overlaps(b, await box('#state-read'))).toBe(false);
        }
        expect(inside(await box('#state-read'), view)).toBe(true);
        expect(inside(await box('[data-read="installed-cert"] .read-item.password'), await box('#state-read'))).toBe(true);
        expect(inside(await box('#isp-slot .xterm-screen'), view)).toBe(true);
        expect(overlaps(await box('#walkthrough'), await box('#subscribers'))).toBe(false);
      } else {
        // On a phone the page scrolls, and the bar with the controls stays.
        await page.locator('#isp-slot').scrollIntoViewIfNeeded();
        for (const control of ['#next', '#back', '#run']) expect(inside(await box(control), view), `${control} after scrolling`).toBe(true);
        expect((await box('#state-read')).y).toBeLessThan((await box('#subscribers')).y);
      }
      // Host names wrap after a dot or a hyphen, never inside a word: nothing spills out of its box.
      const spilling = await page.$$eval('#topology .host .name, .card-name', (els) =>
        els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent),
      );
      expect(spilling).toEqual([]);
      await page.screenshot({ path: join(shots, `projector-${width}x${height}.png`) });
      await page.close();
    });
  }

  it('shows a second tab the same state', async () => {
    const second = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await second.goto(server.url);
    await ready(second);
    expect(await second.getAttribute('body', 'data-position')).toBe('2');
    expect(await text(second, 'isp')).toContain(PASSWORD);
    expect(await text(second, 'client:no-cert')).toBe(await text(first, 'client:no-cert'));
    expect(await text(second, 'isp')).toBe(await text(first, 'isp'));
    await second.screenshot({ path: join(shots, '4-second-tab.png') });
    await second.close();
  });

  it(
    'goes back without running, and runs a step again live',
    async () => {
      const before = (await text(first, 'isp')).split(PASSWORD).length;
      await click(first, 'back', 1);
      expect(await first.textContent('#step-title')).toBe('Plain HTTP to a targeted site');
      await click(first, 'next', 2);
      await click(first, 'run', 2);
      // Every installed client logged in twice more: the password crossed the box each time.
      expect((await text(first, 'isp')).split(PASSWORD).length).toBeGreaterThan(before + 1);
    },
    3 * STEP_TIMEOUT,
  );

  it('reconnects after the server restarts, and shows the matrix it was given', async () => {
    const port = server.port;
    await server.close();
    await first.waitForSelector('body[data-ready=false]');
    server = await startConsoleServer({ lab, port, matrix: matrixView(SMALL_MATRIX, 'matrix.json') });
    await ready(first);
    expect(await first.textContent('#status')).toContain('live');
    // A new server starts the walkthrough over; the box's log is the lab's and survives.
    expect(await first.getAttribute('body', 'data-position')).toBe('-1');
    expect(await text(first, 'isp')).toContain(PASSWORD);
    expect(await first.textContent('#matrix-body')).toContain('refused: distrusted');
    await first.locator('#matrix').scrollIntoViewIfNeeded();
    await first.screenshot({ path: join(shots, '5-after-restart-matrix.png') });
  });

  it(
    'walks every step to the closing summary, each badge agreeing with what the ISP box read of that subscriber in that step',
    async () => {
      const steps = lab.scenario.session.length;
      /** Press a button, then hold every card against what the box recorded reading of that subscriber line meanwhile (plain HTTP included). */
      const pressAndCheck = async (button: 'next' | 'run', i: number) => {
        const from = new Date().toISOString();
        await click(first, button, i);
        const to = new Date().toISOString();
        const readOf = (client: string) => lab.interceptorEvents().some((e) => e.type === 'capture' && e.line === client && e.time >= from && e.time <= to);
        const cards = await first.$$eval('.card', (els) => els.map((e: any) => [e.dataset.client as string, e.dataset.outcome as string] as const));
        expect(cards).toHaveLength(lab.scenario.clients.length);
        for (const [client, outcome] of cards) {
          expect(`${button} step ${i + 1} ${client}: ${outcome}, the box read ${readOf(client) ? 'it' : 'nothing'}`).toBe(
            `${button} step ${i + 1} ${client}: ${outcome}, the box read ${outcome === 'exposed' ? 'it' : 'nothing'}`,
          );
        }
      };
      for (let i = 0; i < steps; i++) {
        await pressAndCheck('next', i);
        // Run again on the search step: the browsers' kept-open connections from the step before must not fool the badges.
        if (lab.scenario.session[i]!.id === 'search') await pressAndCheck('run', i);
      }
      await first.click('#next');
      await first.waitForSelector(`body[data-position="${steps}"]`);
      expect(await first.textContent('#step-counter')).toBe('Summary');
      expect(await first.isDisabled('#next')).toBe(true);
      expect(await first.isDisabled('#run')).toBe(true);
      expect(await first.textContent('[data-summary="installed-cert"]')).toContain('password');
      expect(await first.textContent('[data-summary="no-cert"]')).toContain('refused: untrusted-issuer');
      expect(await first.textContent('[data-summary="chromium-2019"]')).toContain('refused: distrusted-root');
      await first.evaluate(() => (globalThis as any).scrollTo(0, 0)); // the matrix test scrolled down to the matrix
      const summary = (await first.locator('#summary').boundingBox())!;
      expect(inside(summary, { x: 0, y: 0, ...first.viewportSize()! })).toBe(true);
      await first.screenshot({ path: join(shots, '6-summary.png') });
    },
    8 * STEP_TIMEOUT,
  );
});

describe('the matrix file', () => {
  it('is refused, with a sentence, when it is not a `tlslab matrix --json` result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tlslab-console-'));
    await writeFile(join(dir, 'report.json'), JSON.stringify({ scenario: 'kz-2019', results: [] }));
    await expect(loadMatrixView(join(dir, 'report.json'))).rejects.toMatchObject({
      code: 'TLSLAB_CONSOLE_MATRIX',
      message: expect.stringContaining('is not a `tlslab matrix --json` result'),
    });
  });
});

describe('the console protocol', () => {
  const open = (headers: Record<string, string> = {}) => new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers });
  const messages = (ws: WebSocket) => {
    const got: any[] = [];
    ws.on('message', (d) => got.push(JSON.parse(wsText(d))));
    return got;
  };
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('listens on loopback only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('sends a versioned snapshot on connect and names a bad version', async () => {
    const ws = open();
    const got = messages(ws);
    await new Promise((r) => ws.once('open', r));
    await until(() => got.length > 0);
    expect(got[0]).toMatchObject({ v: 1, type: 'snapshot' });
    expect(got[0].state.terminals.map((t: { id: string }) => t.id)).toEqual(
      expect.arrayContaining(['isp', 'sites', 'client:no-cert', 'client:installed-cert']),
    );
    ws.send(JSON.stringify({ v: 2, type: 'next' }));
    ws.send(JSON.stringify({ v: 1, type: 'jump' }));
    await until(() => got.filter((m) => m.type === 'error').length >= 2);
    const errors = got.filter((m) => m.type === 'error');
    expect(errors[0]).toMatchObject({ v: 1, code: 'CONSOLE_ERR_VERSION' });
    expect(errors[1]).toMatchObject({ v: 1, code: 'CONSOLE_ERR_BAD_MESSAGE' });
    expect(errors[1].message).toContain('next, back, run');
    ws.close();
  });

  it('closes a connection that sends more than the bounded size', async () => {
    const ws = open();
    await new Promise((r) => ws.once('open', r));
    const code = await new Promise<number>((resolve) => {
      ws.once('close', (c) => resolve(c));
      ws.send('x'.repeat(MAX_CLIENT_MESSAGE_BYTES + 1));
    });
    expect(code).toBe(1009); // message too big (RFC 6455 §7.4.1)
  });

  it('refuses pages from another origin', async () => {
    const ws = open({ origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });
});
