/**
 * What a CI job relies on, for every command: exit codes that tell a finding (1) from a usage
 * mistake (2) and a lab that could not start (3), `--json -` on stdout, `--junit FILE`,
 * `--version`, and no colour where NO_COLOR says so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/project-root.ts';

const exec = promisify(execFile);
const TLSLAB = projectPath('src', 'cli', 'tlslab.mjs');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tlslab-ci-'));
});

function tlslab(args: string[], env: Record<string, string> = {}) {
  return exec('node', [TLSLAB, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }),
  );
}

describe('CI conventions', () => {
  it('--version prints the package version and exits 0', async () => {
    const r = await tlslab(['--version']);
    const { version } = JSON.parse(await readFile(projectPath('package.json'), 'utf8'));
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('a usage mistake exits 2, whatever the command', async () => {
    expect((await tlslab(['run', '--bogus', 'kz-2019'])).code).toBe(2);
    expect((await tlslab(['nosuch'])).code).toBe(2);
    const unknown = await tlslab(['run', 'kz-2091']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "kz-2021"?');
    const typo = await tlslab(['matrix', '--profiles', 'no-cert,instaled-cert']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--profiles: no "instaled-cert" (did you mean "installed-cert"?); the valid names are no-cert, installed-cert,');
    const variant = await tlslab(['matrix', '--variants', 'kz2019']);
    expect(variant.stderr).toContain('(did you mean "kz-2019"?)');
  });

  it('run --json - puts the report, and only the report, on stdout; --junit writes one testcase per expectation', async () => {
    const r = await tlslab(['run', 'kz-2019', '--clients', 'no-cert', 'installed-cert', '--json', '-', '--junit', 'j/run.xml']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ scenario: 'kz-2019', passed: true });
    // The narration went to stderr, without colour (NO_COLOR).
    expect(r.stderr).toContain('Expectations: ');
    expect(r.stderr).not.toContain('\x1b[');
    // Progress, one plain line per finished step in a log (a terminal gets one live line instead).
    expect(r.stderr).toMatch(/^step 1\/7 The "national security certificate" page: done, \d+ s$/m);
    expect(r.stderr).toMatch(/^step 7\/7 Reading an untargeted site: done, \d+ s$/m);
    const xml = await readFile(join(dir, 'j', 'run.xml'), 'utf8');
    expect(xml).toMatch(new RegExp(`<testsuite name="tlslab run kz-2019"[^>]* tests="${report.expectations.length}" failures="0"`));
    expect(xml).toContain('installed-cert on bank.example: exposed');
  });

  it('FORCE_COLOR colours a pipe, and NO_COLOR still wins', async () => {
    const coloured = await tlslab(['run', 'kz-2019', '--clients', 'no-cert'], { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(coloured.stdout).toContain('\x1b[');
    const plain = await tlslab(['run', 'kz-2019', '--clients', 'no-cert'], { NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(plain.stdout).not.toContain('\x1b[');
  });
});
