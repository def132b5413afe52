/**
 * `tlslab matrix` and `tlslab cert diff` as a person runs them (real processes, real labs),
 * and `runMatrix` holding a lab to a scenario file's matrix expectations.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_PROFILES } from '../../src/scenario/client-profiles.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { matrixTable } from '../../src/scenario/matrix-table.ts';
import { runMatrix, type MatrixCell, type MatrixReport } from '../../src/scenario/matrix.ts';

const exec = promisify(execFile);
const TLSLAB = join(import.meta.dirname, '..', '..', 'src', 'cli', 'tlslab.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tlslab(args: string[], cwd: string): Promise<Run> {
  return exec('node', [TLSLAB, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }),
  );
}

/** The rows of one site's table in the printed matrix: client → cell texts, one per variant. */
function tableOf(stdout: string, site: string): Map<string, string[]> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${site}  (rows: client profiles`));
  expect(start, `no table for ${site} in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === '') break;
    const [client, ...cells] = line.trim().split(/\s{2,}/);
    rows.set(client!, cells); // split always gives at least one part
  }
  return rows;
}

let dir: string;
// Each CLI run starts its own lab (fresh keys, kernel-chosen ports): they run side by side.
let runs: { matrix: Promise<Run>; bank: Promise<Run>; news: Promise<Run>; unknown: Promise<Run> };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tlslab-matrix-'));
  runs = {
    matrix: tlslab(['matrix', '--variants', 'kz-2019,kz-2020', '--json', 'm.json', '--markdown', 'm.md'], dir),
    bank: tlslab(['cert', 'diff', 'bank.example'], dir),
    news: tlslab(['cert', 'diff', 'news.example'], dir),
    unknown: tlslab(['cert', 'diff', 'nowhere.example'], dir),
  };
  await Promise.allSettled(Object.values(runs));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tlslab matrix --variants kz-2019,kz-2020', () => {
  let report: MatrixReport;
  const cell = (variant: string, client: string, site: string): MatrixCell => {
    const c = report.cells.find((x) => x.variant === variant && x.client === client && x.site === site);
    expect(c, `${client} on ${site} under ${variant}`).toBeDefined();
    return c!;
  };

  it('exits 0 and prints the bank.example table: chrome-2019 refused under 2019, exposed under 2020', async () => {
    const r = await runs.matrix;
    expect(r.code, r.stderr).toBe(0);
    const bank = tableOf(r.stdout, 'bank.example');
    expect([...bank.keys()]).toEqual(CLIENT_PROFILES.map((c) => c.name));
    expect(bank.get('chrome-2019')).toEqual(['refused: distrusted', 'exposed']);
    expect(bank.get('chrome-2020')).toEqual(['refused: distrusted', 'refused: distrusted']);
    expect(bank.get('no-cert')).toEqual(['refused: untrusted', 'refused: untrusted']);
    expect(bank.get('installed-cert')).toEqual(['exposed', 'exposed']);
    expect(bank.get('detector-keys')).toEqual(['refused: detected', 'refused: detected']);
    expect(bank.get('detector-ct')).toEqual(['refused: detected', 'refused: detected']);
    expect(r.stdout).toMatch(/Expectations: (\d+)\/\1 met/);
    expect(r.stderr).toMatch(/kz-2019 done in [\d.]+ s/);
    expect(r.stderr).toMatch(/kz-2020 done in [\d.]+ s/);
  });

  it('writes every cell with client, site, outcome, cause, error and variant, and every expectation met', async () => {
    await runs.matrix;
    report = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8'));
    expect(report.variants.map((v) => v.name)).toEqual(['kz-2019', 'kz-2020']);
    expect(report.sites).toEqual(['bank.example', 'search.example']);
    expect(report.cells).toHaveLength(CLIENT_PROFILES.length * 2 * 2);
    for (const c of report.cells) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['client', 'site', 'outcome', 'cause', 'error', 'variant']));
      if (c.outcome === 'refused') {
        expect(c.cause).not.toBeNull();
        expect(c.error).toBeTruthy();
      } else {
        expect(c.cause).toBeNull();
      }
    }
    expect(cell('kz-2019', 'chrome-2019', 'bank.example')).toMatchObject({
      outcome: 'refused',
      cause: 'distrusted-root',
      error: expect.stringMatching(/^net::ERR_CERT_REVOKED/),
      issuer: 'Security Certificate',
    });
    expect(cell('kz-2020', 'chrome-2019', 'bank.example')).toMatchObject({ outcome: 'exposed', cause: null, error: null });
    expect(cell('kz-2020', 'chrome-2020', 'bank.example')).toMatchObject({
      outcome: 'refused',
      cause: 'distrusted-root',
      error: expect.stringMatching(/^net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED/),
    });
    expect(cell('kz-2019', 'firefox-2019', 'search.example').error).toMatch(/^SEC_ERROR_REVOKED_CERTIFICATE/);
    expect(cell('kz-2019', 'pinned-app', 'bank.example')).toMatchObject({ cause: 'pin-mismatch', error: expect.stringMatching(/^PIN_MISMATCH/) });
    expect(cell('kz-2019', 'click-through', 'bank.example')).toMatchObject({ cause: 'hsts-no-override' });
    expect(cell('kz-2019', 'ct-every-chain', 'bank.example')).toMatchObject({ cause: 'ct-missing' });
    // The detectors accept what the browser accepts, then name the interceptor: Qaznet's 2019 leaf issuer, ISCA's in 2020.
    expect(cell('kz-2019', 'detector-keys', 'bank.example')).toMatchObject({
      outcome: 'refused',
      cause: 'interception-detected',
      issuer: 'Security Certificate',
      error: expect.stringMatching(
        /^INTERCEPTION_DETECTED: intercepted, by Security Certificate: bank\.example's certificate key sha256\/\S+ is not the one it publishes \(sha256\/\S+\)$/,
      ),
    });
    expect(cell('kz-2020', 'detector-keys', 'search.example').error).toMatch(
      /^INTERCEPTION_DETECTED: intercepted, by Information Security Certification Authority: search\.example's/,
    );
    expect(cell('kz-2019', 'detector-ct', 'bank.example')).toMatchObject({
      outcome: 'refused',
      cause: 'interception-detected',
      error: expect.stringMatching(
        /^INTERCEPTION_DETECTED: intercepted, by Security Certificate: the certificate for bank\.example is not in the lab's CT log \S+$/,
      ),
    });

    // Every expectation written in the two scenario files' matrix blocks, each met.
    const written = (await Promise.all(['kz-2019', 'kz-2020'].map((n) => resolveScenario(n)))).reduce((n, s) => n + s.matrix!.expect.length, 0);
    expect(report.expectations).toHaveLength(written);
    expect(report.expectations.filter((e) => !e.met)).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('writes markdown with a table per site', async () => {
    await runs.matrix;
    const md = await readFile(join(dir, 'm.md'), 'utf8');
    for (const site of ['bank.example', 'search.example']) {
      const section = md.split(`## ${site}\n`)[1]?.split('\n## ')[0];
      expect(section, `no section for ${site}`).toBeDefined();
      const table = section!.split('\n').filter((l) => l.startsWith('|'));
      expect(table[0]).toBe('| client | kz-2019 | kz-2020 |');
      expect(table[1]).toBe('|---|---|---|');
      expect(table.slice(2).map((l) => l.split(' | ')[0]!.slice(2))).toEqual(CLIENT_PROFILES.map((c) => c.name));
    }
    expect(md).toContain('| chrome-2019 | refused: distrusted | exposed |');
  });

  it('leaves no keys behind', async () => {
    await Promise.allSettled(Object.values(runs));
    expect(await readdir(join(dir, '.tlslab', 'labs'))).toEqual([]);
  });
});

describe('runMatrix against a scenario whose matrix expects the wrong thing', () => {
  let stateRoot: string;
  let report: MatrixReport;

  beforeAll(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'tlslab-matrix-lab-'));
    const scenario = await resolveScenario('kz-2019');
    const expectations = scenario.matrix!.expect.map((e) =>
      e.client === 'chrome-2019' && e.site === 'bank.example' ? { client: e.client, site: e.site, outcome: 'exposed' as const } : e,
    );
    expect(expectations).not.toEqual(scenario.matrix!.expect);
    report = await runMatrix([{ ...scenario, matrix: { ...scenario.matrix!, expect: expectations } }], (s) => startLab(s, { stateRoot }));
  });
  afterAll(async () => {
    if (stateRoot) await rm(stateRoot, { recursive: true, force: true });
  });

  it('does not pass, and says what it found instead', () => {
    expect(report.passed).toBe(false);
    const failed = report.expectations.filter((e) => !e.met);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      variant: 'kz-2019',
      expectation: { client: 'chrome-2019', site: 'bank.example', outcome: 'exposed' },
      actual: 'refused (distrusted-root)',
    });
    expect(report.expectations.filter((e) => e.met)).toHaveLength(report.expectations.length - 1);
  });

  it('prints the broken expectation under the table', () => {
    expect(matrixTable(report)).toContain('✗ [kz-2019] chrome-2019 on bank.example: exposed: got refused (distrusted-root)');
    const n = report.expectations.length;
    expect(matrixTable(report)).toContain(`Expectations: ${n - 1}/${n} met`);
  });
});

describe('the detector profiles in a kz-2019 lab, on a targeted and an untargeted site', () => {
  const DETECTORS = ['detector-keys', 'detector-ct'];
  let stateRoot: string;
  let report: MatrixReport;

  beforeAll(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'tlslab-matrix-detect-'));
    const scenario = await resolveScenario('kz-2019');
    // news.example is not on the 2019 target list: the box passes it through with the real certificate.
    const expectations = DETECTORS.flatMap((client) => [
      { client, site: 'bank.example', captured: 'nothing' as const },
      { client, site: 'news.example', outcome: 'untouched' as const },
    ]);
    report = await runMatrix(
      [{ ...scenario, matrix: { steps: ['bank-login', 'news'], expect: expectations } }],
      (s) => startLab(s, { stateRoot }),
      undefined,
      DETECTORS,
    );
  });
  afterAll(async () => {
    if (stateRoot) await rm(stateRoot, { recursive: true, force: true });
  });

  it.each(DETECTORS)('%s is refused on bank.example, naming the state issuer, and the box reads nothing', (client) => {
    const bank = report.cells.find((c) => c.client === client && c.site === 'bank.example');
    expect(bank).toMatchObject({
      outcome: 'refused',
      cause: 'interception-detected',
      error: expect.stringMatching(/^INTERCEPTION_DETECTED: intercepted, by Security Certificate: /),
    });
    expect(report.expectations.find((e) => e.expectation.client === client && e.expectation.site === 'bank.example')).toMatchObject({ met: true });
  });

  it.each(DETECTORS)('%s reaches news.example untouched: the real certificate matches', (client) => {
    const news = report.cells.find((c) => c.client === client && c.site === 'news.example');
    expect(news).toMatchObject({ outcome: 'untouched', cause: null, error: null });
    expect(news?.issuer).not.toBe('Security Certificate');
    expect(report.passed).toBe(true);
  });
});

describe('tlslab cert diff', () => {
  it('shows the forged bank.example certificate next to the original', async () => {
    const r = await runs.bank;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('bank.example under kz-2019: the ISP box shows a forged certificate, issued by C=KZ, CN=Security Certificate');
    expect(r.stdout).toMatch(/^issuer\s+C=US, O=Lab Trust Services, CN=Lab TLS Issuing …\s+C=KZ, CN=Security Certificate$/m);
    expect(r.stdout).toMatch(/^key\s+RSA-2048, e=65537\s+RSA-2048, e=3$/m);
    expect(r.stdout).toMatch(/^subject\s+CN=bank\.example\s+\(same\)$/m);
    expect(r.stdout).toMatch(/^extensions\s+.*subjectAltName$/m);
  });

  it('says news.example is not intercepted', async () => {
    const r = await runs.news;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('news.example under kz-2019: not intercepted: subscribers see the original certificate');
    expect(r.stdout).toMatch(/^issuer\s+C=US, O=Lab Trust Services, CN=Lab TLS Issuing …\s+\(same\)$/m);
    expect(r.stdout).not.toContain('C=KZ');
  });

  it('exits 2 on an unknown site and lists the sites', async () => {
    const r = await runs.unknown;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nowhere.example is not an HTTPS site of the lab; the sites are bank.example, social.example');
    for (const site of ['mail.example', 'search.example', 'news.example']) expect(r.stderr).toContain(site);
    expect(r.stderr).toContain('[TLSLAB_UNKNOWN_SITE]');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
