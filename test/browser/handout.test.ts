/**
 * `tlslab run --report`: the handout a teacher gives out, read as a student would read it:
 * what the state read, each subscriber's outcome at each site, Chromium's screenshots inside
 * the page, the forged certificate beside the real one, and nothing fetched from anywhere.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeHandout } from '../../src/cli/handout-file.ts';
import type { Report } from '../../src/scenario/report.ts';
import { whyChromiumIsMissing } from '../support/chromium-available.ts';

const missing = whyChromiumIsMissing();
if (missing && process.env.CI !== 'true') console.warn(`[test/browser] skipping the handout tests: ${missing}`);
const run = promisify(execFile);
const TLSLAB = resolve('src/cli/tlslab.mjs');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe.skipIf(missing !== null && process.env.CI !== 'true')('the handout of a run (--report)', () => {
  let dir: string;
  let html: string;
  let report: Report;
  let stdout: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-handout-'));
    const args = ['run', 'kz-2019', '--clients', 'no-cert', 'installed-cert', 'chromium-installed', '--state-dir', dir];
    ({ stdout } = await run(
      process.execPath,
      [TLSLAB, ...args, '--report', join(dir, 'class.html'), '--json', join(dir, 'r.json'), '--screenshots', join(dir, 'shots')],
      {
        env: { ...process.env, NO_COLOR: '1' },
      },
    ));
    html = await readFile(join(dir, 'class.html'), 'utf8');
    report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as Report;
  }, 180_000);

  it('says it wrote the page, and the page reads as the run went', () => {
    expect(stdout).toContain(`handout ${join(dir, 'class.html')}`);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h1>Kazakhstan, July 2019: the Qaznet Trust Network</h1>');
    expect(html).toContain(`${report.expectations.filter((x) => x.met).length}/${report.expectations.length} expectations met`);
    // What the state read, by subscriber: the password the installed-cert subscriber typed, escaped for HTML.
    const read = html.slice(html.indexOf('<h2>What the state read</h2>'), html.indexOf('<h2>Every subscriber'));
    expect(read).toContain('<h3>installed-cert</h3>');
    expect(read).toContain('username=alice&amp;password=Almaty-2019!');
    const noCert = read.slice(read.indexOf('<h3>no-cert</h3>'), read.indexOf('<h3>installed-cert</h3>'));
    expect(noCert).toContain('GET http://social.example/');
    expect(noCert).not.toContain('password');
  });

  it('gives every subscriber its outcome at every site, as the report has it', () => {
    const grid = html.slice(html.indexOf('<h2>Every subscriber'), html.indexOf('<h2>Step by step'));
    for (const r of report.results.filter((x) => x.transport === 'tls')) {
      const row = new RegExp(`<tr><th>${r.client}</th>.*</tr>`).exec(grid)?.[0] ?? '';
      expect(row, `${r.client} at ${r.site}`).toContain(`>${r.outcome}${r.cause ? ` (${r.cause})` : ''}</td>`);
    }
    expect(grid).toMatch(/<tr><th>installed-cert<\/th>.*class="exposed">exposed</);
    expect(grid).toMatch(/<tr><th>no-cert<\/th>.*class="refused">refused \(/);
  });

  it("carries Chromium's screenshots inside the page, as PNGs, and fetches nothing", () => {
    const images = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1] ?? '', 'base64'));
    const taken = report.steps.flatMap((s) => s.clients.flatMap((c) => c.screenshots));
    expect(taken.length).toBeGreaterThan(0);
    expect(images).toHaveLength(taken.length);
    for (const png of images) expect(png.subarray(0, 8).equals(PNG)).toBe(true);
    expect(html).not.toMatch(/<(script|link|iframe)\b/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it('sets each forged certificate beside the real one', () => {
    const forged = report.forged.find((f) => f.sni === 'bank.example');
    expect(forged).toBeDefined();
    expect(html).toContain(`<h3>bank.example: issued by ${forged?.issuer}, the real one by ${forged?.realIssuer}</h3>`);
    const issuer = forged?.diff.find((d) => d.field === 'issuer');
    expect(issuer?.same).toBe(false);
    expect(html).toMatch(/<tr class="exposed"><td>issuer<\/td>/);
  });

  it('as Markdown: the same facts, with the screenshots as files beside it, linked', async () => {
    const md = join(dir, 'handout', 'class.md');
    const said = await writeHandout(md, report);
    expect(said).toContain(join(dir, 'handout', 'class-files'));
    const text = await readFile(md, 'utf8');
    expect(text).toMatch(/^# Kazakhstan, July 2019/);
    expect(text).toContain('| credential | bank.example | `username=alice&password=Almaty-2019!` |');
    const links = [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => decodeURI(m[1] ?? ''));
    expect(links).toHaveLength(report.steps.flatMap((s) => s.clients.flatMap((c) => c.screenshots)).length);
    for (const link of links) expect(existsSync(join(dir, 'handout', link)), link).toBe(true);
    expect((await readdir(join(dir, 'handout', 'class-files'))).every((f) => f.endsWith('.png'))).toBe(true);
  });

  it('refuses a file it cannot write, before any lab starts', async () => {
    const r = await run(process.execPath, [TLSLAB, 'run', 'kz-2019', '--report', join(dir, 'class.pdf')]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--report writes .html or .md, by the file's extension; got "${join(dir, 'class.pdf')}"`);
  });
});
