/**
 * docs/class/ stays true: every `npx tlslab` command of the class plan is run here as written
 * (in a folder of its own), and every row of the answer key's table of outcomes is what the
 * lab's matrix says now.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/project-root.ts';
import type { MatrixReport } from '../../src/scenario/matrix.ts';
import { whyChromiumIsMissing } from '../support/chromium-available.ts';

const exec = promisify(execFile);
const TLSLAB = projectPath('src', 'cli', 'tlslab.mjs');
const missing = whyChromiumIsMissing();
if (missing && process.env.CI !== 'true') console.warn(`[test/integration] skipping the class plan's Chromium run: ${missing}`);

const doc = (name: string) => readFile(projectPath('docs', 'class', name), 'utf8');

/** The `npx tlslab …` lines of the plan's shell blocks, as argument lists. */
async function planCommands(): Promise<string[][]> {
  const text = await doc('plan.md');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((b) => b.split('\n'))
    .filter((l) => l.startsWith('npx tlslab '))
    .map((l) => l.slice('npx tlslab '.length).trim().split(/\s+/));
}

const tlslab = (args: string[], cwd: string) =>
  exec(process.execPath, [TLSLAB, ...args, '--state-dir', join(cwd, '.tlslab')], { cwd, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 24 });

describe('the 90-minute class (docs/class)', () => {
  let commands: string[][];
  let dir: string;
  beforeAll(async () => {
    commands = await planCommands();
    dir = await mkdtemp(join(tmpdir(), 'tlslab-class-'));
  });

  const command = (first: string, second: string) => {
    const found = commands.find((c) => c[0] === first && c[1]?.startsWith(second));
    if (!found) throw new Error(`the plan has no "npx tlslab ${first} ${second}…"; it has ${commands.map((c) => c.join(' ')).join('; ')}`);
    return found;
  };

  it('runs no command this test does not run', () => {
    const tested = ['run kz-2019', 'console --scenario', 'run kz-2020', 'matrix --variants'];
    expect(commands.map((c) => c.slice(0, 2).join(' ')).sort()).toEqual([...tested].sort());
  });

  it.skipIf(missing !== null && process.env.CI !== 'true')('rehearsal: run kz-2019 --report class.html leaves the handout', { timeout: 180_000 }, async () => {
    const { stdout } = await tlslab(command('run', 'kz-2019'), dir);
    expect(stdout).toMatch(/Expectations: (\d+)\/\1 met/);
    expect(existsSync(join(dir, 'class.html'))).toBe(true);
    expect(await readFile(join(dir, 'class.html'), 'utf8')).toContain('username=alice&amp;password=Almaty-2019!');
  });

  it('part 1: the console starts and serves its page, and Ctrl-C stops it', { timeout: 60_000 }, async () => {
    const args = command('console', '--scenario');
    const child = spawn(process.execPath, [TLSLAB, ...args, '--state-dir', join(dir, '.tlslab')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exit = new Promise<number | null>((r) => child.once('exit', r));
    await expect.poll(() => /Open the console: (\S+)/.exec(out)?.[1], { timeout: 40_000, interval: 100 }).toBeTruthy();
    const url = /Open the console: (\S+)/.exec(out)?.[1] ?? '';
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });

  it('part 2: kz-2020 forges with the ISCA root and reads the subscriber who trusts it (answers 7 and 8)', { timeout: 60_000 }, async () => {
    const { stdout } = await tlslab(command('run', 'kz-2020'), dir);
    expect(stdout).toContain('CN=Information Security Certification Authority');
    expect(stdout).toMatch(/installed-cert\s+bank\.example\s+credential username=alice&password=Almaty-2019!/);
    expect(stdout).toMatch(/no-cert\s+refused\s+refused/);
  });

  it("part 2: the matrix gives every outcome the answer key's table quotes", { timeout: 300_000 }, async () => {
    const json = join(dir, 'matrix.json');
    await tlslab([...command('matrix', '--variants'), '--json', json], dir);
    const report = JSON.parse(await readFile(json, 'utf8')) as MatrixReport;
    const key = await doc('answer-key.md');
    const table = key.slice(key.indexOf('## The matrix cells the answers rest on'));
    const rows = [...table.matchAll(/^\| ([a-z0-9-]+) \| ([a-z0-9-]+) \| ([a-z.]+) \| ([^|]+) \|$/gm)].filter((m) => m[1] !== 'profile');
    expect(rows.length).toBeGreaterThan(10);
    for (const [, client, variant, site, outcome] of rows) {
      const cell = report.cells.find((c) => c.client === client && c.variant === variant && c.site === site);
      expect(cell, `${client} ${variant} ${site}`).toBeDefined();
      expect(`${cell?.outcome}${cell?.cause ? ` (${cell.cause})` : ''}`, `${client} ${variant} ${site}`).toBe(outcome?.trim());
    }
  });
});
