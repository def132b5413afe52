/**
 * Chromium's screenshots stay only where asked: `tlslab run` leaves nothing behind by default
 * (they go with the lab's state folder, keys included) and says how to keep them; with
 * `--screenshots DIR` they are there and the narration points at them; the `runs/` folder
 * earlier versions filled on every run is removed, with one line said.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { whyChromiumIsMissing } from '../support/chromium-available.ts';
import { at } from '../support/at.ts';

const missing = whyChromiumIsMissing();
if (missing && process.env.CI !== 'true') console.warn(`[test/browser] skipping the screenshot tests: ${missing}`);
const run = promisify(execFile);
const TLSLAB = resolve('src/cli/tlslab.mjs');

describe.skipIf(missing !== null && process.env.CI !== 'true')('screenshots kept only where asked', () => {
  it('by default nothing stays, and the old runs folder goes with a line said', { timeout: 120_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'tlslab-shots-'));
    mkdirSync(join(root, 'runs', 'kz-2019-20261201T000000-abcdef'), { recursive: true });
    writeFileSync(join(root, 'runs', 'kz-2019-20261201T000000-abcdef', 'chromium-installed-1.png'), 'old');
    const { stdout } = await run(process.execPath, [TLSLAB, 'run', 'kz-2019', '--clients', 'chromium-installed', '--state-dir', root], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(stdout).toMatch(/Chromium took \d+ screenshots; they went with the lab \(--screenshots DIR keeps them\)\./);
    expect(stdout).toContain(`Removed ${join(root, 'runs')}: the screenshots of 1 earlier runs`);
    expect(stdout).not.toContain('screenshot: ');
    expect(existsSync(join(root, 'runs'))).toBe(false);
    expect(readdirSync(join(root, 'labs'))).toEqual([]);
  });

  it('--screenshots DIR keeps every one, and the narration points at them', { timeout: 120_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'tlslab-shots-'));
    const dir = join(root, 'shots');
    const { stdout } = await run(process.execPath, [TLSLAB, 'run', 'kz-2019', '--clients', 'chromium-installed', '--state-dir', root, '--screenshots', dir], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    const shots = readdirSync(dir).filter((f) => f.endsWith('.png'));
    expect(shots.length).toBeGreaterThanOrEqual(3);
    const pointed = [...stdout.matchAll(/screenshot: (\S+)/g)].map((m) => at(m, 1, 'screenshot path'));
    expect(pointed.length).toBeGreaterThan(0);
    for (const p of pointed) expect(existsSync(p), p).toBe(true);
    expect(stdout).toContain(`screenshots ${dir}`);
  });
});
