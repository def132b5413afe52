/**
 * Any way of stopping tlslab, at any moment, stops every child and deletes the lab's keys:
 * Ctrl-C once or twice, SIGTERM, SIGHUP, a closed stdout; while Chromium launches, in the middle
 * of a step, in the middle of the matrix, and in the console after a Chromium subscriber ran
 * (Playwright's own SIGINT handler used to exit 130 before the lab was stopped).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { whyChromiumIsMissing } from '../support/chromium-available.ts';
import { group } from '../support/at.ts';
import { wsText } from '../../src/ws-text.ts';

const missing = whyChromiumIsMissing();
if (missing && process.env.CI !== 'true') console.warn(`[test/browser] skipping the signal tests: ${missing}`);

const TLSLAB = resolve('src/cli/tlslab.mjs');

/** Chromium processes started for a lab under this state root (their profile lives there). */
function chromiumsUnder(root: string): number {
  try {
    return execFileSync('pgrep', ['-f', `chromium.*--user-data-dir=${root}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
  } catch {
    return 0;
  }
}

function labsUnder(root: string): string[] {
  const labs = join(root, 'labs');
  return existsSync(labs) ? readdirSync(labs) : [];
}

interface Started {
  child: ChildProcess;
  root: string;
  output: () => string;
  exit: Promise<number | null>;
}

async function start(args: string[], opts: { stdout?: 'pipe' | 'ignore' } = {}): Promise<Started> {
  const root = await mkdtemp(join(tmpdir(), 'tlslab-signals-'));
  const child = spawn('node', [TLSLAB, ...args, '--state-dir', root], { stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, root, output: () => out, exit };
}

async function expectCleanExit(s: Started, code: number): Promise<void> {
  expect(await s.exit, s.output()).toBe(code);
  expect(labsUnder(s.root)).toEqual([]);
  await expect.poll(() => chromiumsUnder(s.root), { timeout: 10_000 }).toBe(0);
}

describe.skipIf(missing !== null && process.env.CI !== 'true')('stopping tlslab at any moment', () => {
  it('double Ctrl-C while Chromium launches: the lab still stops and its keys are deleted', { timeout: 90_000 }, async () => {
    const s = await start(['run', 'kz-2019', '--clients', 'chromium-installed']);
    await expect.poll(() => chromiumsUnder(s.root), { timeout: 40_000, interval: 50 }).toBeGreaterThan(0);
    s.child.kill('SIGINT');
    // A moment apart: two signals sent at once are delivered as one.
    await new Promise((r) => setTimeout(r, 100));
    s.child.kill('SIGINT');
    await expectCleanExit(s, 130);
    expect(s.output()).toContain('Still stopping');
  });

  it('SIGTERM in the middle of a step with Chromium', { timeout: 90_000 }, async () => {
    const s = await start(['run', 'kz-2019', '--clients', 'chromium-2019', 'installed-cert']);
    await expect.poll(() => chromiumsUnder(s.root), { timeout: 40_000, interval: 50 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    s.child.kill('SIGTERM');
    await expectCleanExit(s, 143);
  });

  it('SIGHUP while the lab is still being made', { timeout: 60_000 }, async () => {
    const s = await start(['run', 'kz-2019', '--clients', 'installed-cert']);
    await expect.poll(() => labsUnder(s.root).length, { timeout: 20_000, interval: 10 }).toBeGreaterThan(0);
    s.child.kill('SIGHUP');
    await expectCleanExit(s, 129);
  });

  it('Ctrl-C of `tlslab up` whose stdout reader has gone', { timeout: 60_000 }, async () => {
    const s = await start(['up', 'kz-2019']);
    await expect.poll(() => s.output().includes('What the ISP box sees'), { timeout: 30_000 }).toBe(true);
    s.child.stdout!.destroy();
    s.child.kill('SIGINT');
    await expectCleanExit(s, 0);
  });

  it('a run whose stderr reader has gone (`2>&1 | head`) stops at once, without spinning, keys deleted', { timeout: 60_000 }, async () => {
    const s = await start(['run', 'kz-2019', '--clients', 'installed-cert', 'no-cert', '--verbose'], { stdout: 'ignore' });
    await expect.poll(() => s.output().includes('keys and certificates:'), { timeout: 30_000, interval: 20 }).toBe(true);
    s.child.stderr!.destroy();
    const started = Date.now();
    await expectCleanExit(s, 141);
    // The lab's stop, not a spin until the deadline (STOP_DEADLINE_MS) forced the exit.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('Ctrl-C in the middle of the matrix, during its Chromium rows', { timeout: 180_000 }, async () => {
    const s = await start(['matrix', '--variants', 'kz-2019']);
    await expect.poll(() => chromiumsUnder(s.root), { timeout: 120_000, interval: 50 }).toBeGreaterThan(0);
    s.child.kill('SIGINT');
    await expectCleanExit(s, 130);
  });

  it('Ctrl-C of `tlslab console` after a Chromium subscriber has run', { timeout: 120_000 }, async () => {
    const s = await start(['console', '--scenario', 'kz-2019']);
    await expect.poll(() => /Open the console: (\S+)/.exec(s.output())?.[1], { timeout: 30_000 }).toBeTruthy();
    const url = new URL(group(/Open the console: (\S+)/, s.output()));
    const ws = new WebSocket(`ws://${url.host}/ws`, { headers: { origin: `http://${url.host}` } });
    let stepDone = false;
    ws.on('message', (data) => {
      const m = JSON.parse(wsText(data));
      if (m.type === 'walkthrough' && m.walkthrough.position === 0 && !m.walkthrough.running && Object.keys(m.walkthrough.results).length > 0) stepDone = true;
    });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    ws.send(JSON.stringify({ v: 1, type: 'next' }));
    await expect.poll(() => chromiumsUnder(s.root), { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
    // The first step ran with its Chromium subscribers, whose browsers stay open for the next step.
    await expect.poll(() => stepDone, { timeout: 60_000 }).toBe(true);
    ws.close();
    s.child.kill('SIGINT');
    await expectCleanExit(s, 0);
  });
});
