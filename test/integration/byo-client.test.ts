/**
 * Bring your own client: real programs in two languages (examples/), unmodified and with no proxy
 * variable, run by `tlslab test` as subscribers of kz-2019. A non-pinning client is read on the
 * targets once the state root is installed and refused without it, in its own words; a pinning
 * client is refused with pin-mismatch even with the root; nothing leaves the lab.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/project-root.ts';
import { namespaceProblem } from '../../src/runtime/local/program-namespace.ts';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { testProgram, type ProgramReport } from '../../src/scenario/program-test.ts';

const exec = promisify(execFile);
const TLSLAB = projectPath('src', 'cli', 'tlslab.mjs');
const example = (file: string) => projectPath('examples', file);
const cannot = await namespaceProblem();
if (cannot && process.env.CI === 'true') throw new Error(`CI must run the bring-your-own-client tests: ${cannot}`);
if (cannot) console.log(`skipping the bring-your-own-client tests: ${cannot}`);

const SITES = ['bank.example', 'mail.example', 'news.example'];
const row = (r: ProgramReport, site: string) => r.results.find((x) => x.site === site)!;

describe.skipIf(cannot !== null)('tlslab test: your own program against the kz-2019 box', () => {
  let lab: Lab;
  beforeAll(async () => {
    // A proxy variable in the environment must not matter: the program needs none, and gets none.
    process.env.https_proxy = 'http://192.0.2.1:3128';
    lab = await startLab(await resolveScenario('kz-2019'));
  });
  afterAll(async () => {
    delete process.env.https_proxy;
    await lab?.stop();
  });
  const test = (command: string[], trusts: Array<'web' | 'state'>, sites = SITES) => testProgram(lab, { command, trusts, sites, timeoutMs: 20_000 });

  it('a Python client that pins nothing is read on the targets once the state root is installed, and untouched elsewhere', async () => {
    const r = await test(['python3', example('python-client.py'), '{url}'], ['web', 'state']);
    expect(row(r, 'bank.example')).toMatchObject({ outcome: 'exposed', issuer: 'Security Certificate', exitCode: 0 });
    expect(row(r, 'bank.example').captured).toContainEqual({ kind: 'credential', value: 'username=alice&password=Almaty-2019!' });
    expect(row(r, 'mail.example').outcome).toBe('exposed');
    expect(row(r, 'news.example')).toMatchObject({ outcome: 'untouched', connections: 1, captured: [] });
    expect(r.exposed).toBe(true);
  });

  it('without the root, the same client refuses, and the verdict quotes its own error', async () => {
    const r = await test(['python3', example('python-client.py'), '{url}'], ['web']);
    expect(row(r, 'bank.example')).toMatchObject({ outcome: 'refused', cause: 'untrusted-issuer', exitCode: 1 });
    expect(row(r, 'bank.example').error).toContain('certificate verify failed: unable to get local issuer certificate');
    expect(row(r, 'bank.example').captured).toEqual([]);
    expect(row(r, 'news.example').outcome).toBe('untouched');
    expect(r.exposed).toBe(false);
  });

  it.each([
    ['python', ['python3', example('python-pinning-client.py'), '{url}'], 'certificate pin mismatch'],
    ['node', ['node', example('node-pinning-client.mjs'), '{url}'], 'public key pin mismatch'],
  ])('a %s client that pins is refused with pin-mismatch even with the root, and reaches untargeted sites', async (_lang, command, words) => {
    const r = await test(command, ['web', 'state']);
    expect(row(r, 'bank.example')).toMatchObject({ outcome: 'refused', cause: 'pin-mismatch' });
    expect(row(r, 'bank.example').error).toContain(words);
    expect(row(r, 'bank.example').captured).toEqual([]);
    // The pin holds for the real key: an untouched site passes it.
    expect(row(r, 'news.example')).toMatchObject({ outcome: 'untouched', exitCode: 0 });
  });

  it('a Node client that pins nothing is read too', async () => {
    const r = await test(['node', example('node-client.mjs'), '{url}'], ['web', 'state'], ['bank.example']);
    expect(row(r, 'bank.example')).toMatchObject({ outcome: 'exposed', exitCode: 0 });
  });

  it('nothing leaves the lab: no name outside it resolves, no address outside it answers, and the box sees neither', async () => {
    const before = lab.interceptorEvents().length;
    const out = (
      await lab.runProgram({
        line: 'your-program',
        trusts: ['web'],
        command: [
          'sh',
          '-c',
          'curl -sS --max-time 3 https://nowhere.example.net.invalid/; echo "dns=$?"; curl -sS --max-time 3 http://192.0.2.1/; echo "ip=$?"; getent hosts bank.example; env | grep -cE "^(https?_proxy|HTTPS?_PROXY|ALL_PROXY|all_proxy)=" || true',
        ],
        timeoutMs: 20_000,
      })
    ).stdout;
    expect(out).toContain('dns=6');
    expect(out).toMatch(/ip=(7|28)/);
    expect(out).toMatch(/^10\.90\.1\.10\s+bank\.example$/m);
    expect(out.trim().split('\n').at(-1)).toBe('0');
    expect(
      lab
        .interceptorEvents()
        .slice(before)
        .filter((e) => e.type === 'connection'),
    ).toEqual([]);
  });
});

describe.skipIf(cannot !== null)('the tlslab test command', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-test-cmd-'));
  });
  const tlslab = (args: string[]) =>
    exec('node', [TLSLAB, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e) => ({ code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }),
    );

  it('exits 1 when the program is read, with JUnit for CI and the JSON report on stdout', async () => {
    const r = await tlslab([
      'test',
      '--sites',
      'bank.example,news.example',
      '--json',
      '-',
      '--junit',
      'out/junit.xml',
      '--',
      'python3',
      example('python-client.py'),
      '{url}',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as ProgramReport;
    expect(report.results.map((x) => `${x.site} ${x.outcome}`)).toEqual(['bank.example exposed', 'news.example untouched']);
    const xml = await readFile(join(dir, 'out', 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuite[^>]* tests="2" failures="1"/);
    expect(xml).toContain('bank.example: not readable by the ISP box (trusting web, state)');
    expect(xml).toMatch(/<failure message="exposed: the box read \d+ items on bank.example/);
  });

  it('exits 0 when the program is refused or untouched everywhere, and 2 on a usage mistake', async () => {
    const ok = await tlslab(['test', '--sites', 'bank.example,news.example', '--', 'node', example('node-pinning-client.mjs'), '{url}']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('NOT READ: the box read nothing this program sent on 2 sites. Exit 0.');
    const typo = await tlslab(['test', '--sites', 'bank.exmaple', '--', 'true']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('kz-2019 has no site bank.exmaple; its sites are bank.example');
    const trust = await tlslab(['test', '--trust', 'state,everything', '--', 'true']);
    expect(trust.code).toBe(2);
    expect(trust.stderr).toContain('--trust takes web, state or both (web,state); got "state,everything"');
    const image = await tlslab(['test', '--image', 'my/app', '--', 'true']);
    expect(image.code).toBe(2);
    expect(image.stderr).toContain('--image runs your program from an image, which the local runtime does not: add --runtime docker');
  });

  it('leaves no namespace behind', async () => {
    const { stdout } = await exec('ip', ['netns', 'list']);
    expect(stdout).not.toMatch(/tlslab-/);
  });
});

describe.skipIf(cannot !== null)('a scenario whose clients are your own programs (examples/my-app.yaml)', () => {
  it("judges each step of each program like any client, and meets the file's expectations", async () => {
    const lab = await startLab(await resolveScenario(example('my-app.yaml')));
    try {
      const { runScenario } = await import('../../src/scenario/runner.ts');
      const report = await runScenario(lab);
      expect(report.expectations.filter((x) => !x.met)).toEqual([]);
      const bank = report.steps.find((s) => s.id === 'bank')!.clients;
      expect(bank.find((c) => c.client === 'our-client')!.summary).toMatch(/^python3 ran on https:\/\/bank\.example\/: exit 0, "200 https:\/\/bank\.example\//);
      expect(bank.find((c) => c.client === 'our-pinning-client')!.summary).toContain('public key pin mismatch for bank.example');
    } finally {
      await lab.stop();
    }
  });
});
