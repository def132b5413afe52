/**
 * Debian's real Chromium as a subscriber of the kz-2019 lab, on the scenario's own lines into
 * the ISP box. Asserts what the person sees (the page, the warning, its code, whether it has a
 * way through) and what the box read, never the client's configuration.
 *
 * Without /usr/bin/chromium the browser tests are skipped with a printed reason; on CI
 * (CI=true) that is a failure instead. Screenshots go to the lab's state folder, or to
 * TLSLAB_CHROMIUM_ARTIFACTS when set (kept after the run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromiumClient, type ChromiumProfile } from '../../src/clients/chromium/chromium-client.ts';
import { decodeCrlSetHeader, encodeCrlSet } from '../../src/clients/chromium/crlset.ts';
import { hostResolverRules, transportSecurityJson } from '../../src/clients/chromium/profile-folder.ts';
import type { ClientContext } from '../../src/clients/lab-client.ts';
import type { CaptureEvent, InterceptorEvent } from '../../src/interceptor/events.ts';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { whyChromiumIsMissing } from '../support/chromium-available.ts';
import { at } from '../support/at.ts';
import type { SessionStep, StepAction } from '../../src/scenario/schema.ts';

const missing = whyChromiumIsMissing();
const onCi = process.env.CI === 'true';
if (missing && !onCi) console.warn(`[test/browser] skipping the Chromium tests: ${missing}`);

const step = (id: string, action: StepAction): SessionStep => ({ id, title: id, action });
const ALICE = { username: 'alice', password: 'Almaty-2019!' };

describe('the Chromium client without a browser', () => {
  it('on CI, Chromium is installed', { skip: !onCi }, () => {
    expect(missing).toBeNull();
  });

  it('says how to install Chromium when it is missing', async () => {
    const ctx: ClientContext = {
      name: 'nobody',
      network: { resolve: () => null, names: [] },
      roots: { web: '', state: '' },
      workDir: '/nonexistent',
    };
    await expect(ChromiumClient.launch(ctx, { trusts: ['web'], distrust: false, executablePath: '/nonexistent/chromium' })).rejects.toMatchObject({
      code: 'TLSLAB_CHROMIUM_MISSING',
      message: expect.stringContaining('Chromium is not installed: apt-get install chromium libnss3-tools'),
    });
  });

  it('writes a CRLSet Chromium can parse: length-prefixed JSON header with the blocked SPKIs', () => {
    const bytes = encodeCrlSet({ sequence: 7, blockedSpkis: ['AAAA'], blockedInterceptionSpkis: ['BBBB'] });
    expect(bytes.readUInt16LE(0)).toBe(bytes.length - 2);
    expect(decodeCrlSetHeader(bytes)).toMatchObject({
      Version: 0,
      ContentType: 'CRLSet',
      Sequence: 7,
      BlockedSPKIs: ['AAAA'],
      BlockedInterceptionSPKIs: ['BBBB'],
    });
    expect(() => encodeCrlSet({ sequence: 0, blockedSpkis: [], blockedInterceptionSpkis: [] })).toThrow(/sequence/);
  });

  it('maps each lab name with its port to the line and everything else to NOTFOUND', () => {
    const network = {
      resolve: (n: string, s: 'https' | 'http') =>
        n === 'bank.example'
          ? { address: '127.80.1.10', port: s === 'https' ? 40123 : 40124 }
          : n === 'qca.example' && s === 'http'
            ? { address: '127.80.1.9', port: 40200 }
            : null,
      names: [],
    };
    expect(hostResolverRules(network, ['bank.example', 'qca.example', 'news.example'])).toBe(
      'MAP bank.example:443 127.80.1.10:40123, MAP bank.example:80 127.80.1.10:40124, MAP qca.example:80 127.80.1.9:40200, MAP * ~NOTFOUND',
    );
  });

  it('remembers HSTS hosts as Chromium persists them (SHA-256 of the DNS wire name)', () => {
    const json = JSON.parse(transportSecurityJson(['bank.example'], new Date('2019-07-17T00:00:00Z')));
    // sha256("\x04bank\x07example\x00"), as net::TransportSecurityState hashes a host.
    const expected = execFileSync('sh', ['-c', "printf '\\004bank\\007example\\000' | openssl dgst -sha256 -binary | base64"]).toString().trim();
    expect(json).toMatchObject({ version: 2, sts: [{ host: expected, mode: 'force-https', sts_include_subdomains: true }] });
  });
});

describe.skipIf(missing !== null)('Chromium through the kz-2019 ISP box', () => {
  let lab: Lab;
  let artifacts: string;
  const clients: ChromiumClient[] = [];

  beforeAll(async () => {
    lab = await startLab(await resolveScenario('kz-2019'));
    artifacts = process.env.TLSLAB_CHROMIUM_ARTIFACTS ?? join(lab.describe().stateDir, 'chromium');
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await lab?.stop();
  });

  async function launch(name: string, line: 'no-cert' | 'installed-cert', profile: ChromiumProfile): Promise<ChromiumClient> {
    const d = lab.describe();
    const lines = d.hosts.find((h) => h.name === line)?.lines;
    if (!lines) throw new Error(`no line ${line} in ${d.scenario}`);
    const ctx: ClientContext = {
      name,
      network: { resolve: (n, s) => lines[n]?.[s] ?? null, names: Object.keys(lines) },
      roots: { web: readFileSync(d.trust.webRoot, 'utf8'), state: readFileSync(d.trust.stateRoot, 'utf8') },
      workDir: join(artifacts, name),
    };
    const client = await ChromiumClient.launch(ctx, profile);
    clients.push(client);
    return client;
  }

  /** What the box read on a line while `run` ran. */
  async function readDuring<T>(line: string, run: () => Promise<T>): Promise<{ result: T; events: InterceptorEvent[]; captures: CaptureEvent[] }> {
    const from = lab.interceptorEvents().length;
    const result = await run();
    const events = lab.interceptorEvents().slice(from);
    const captures = events.filter((e): e is CaptureEvent => e.type === 'capture' && e.line === line);
    return { result, events, captures };
  }

  it('without the state root: the bank shows a warning with no way through (HSTS), and the box reads nothing', async () => {
    const chromium = await launch('chromium-no-root', 'no-cert', { trusts: ['web'], distrust: false });
    const { result: run, captures } = await readDuring('no-cert', () =>
      chromium.runStep(step('bank-login', { kind: 'login', site: 'bank.example', ...ALICE })),
    );

    expect(run.attempts[0]).toMatchObject({
      site: 'bank.example',
      url: 'https://bank.example/login',
      scheme: 'https',
      local: null,
      issuer: 'Security Certificate',
      status: null,
      error: { code: 'net::ERR_CERT_AUTHORITY_INVALID', message: expect.stringContaining('because the website uses HSTS') },
    });
    expect(run.summary).toMatch(/^refused https:\/\/bank\.example\/login: warning "Your connection is not private" \(net::ERR_CERT_AUTHORITY_INVALID/);
    expect(run.summary).toContain('no way through');
    expect(run.screenshots).toEqual([
      join(artifacts, 'chromium-no-root', 'screenshots', 'bank-login-1.png'),
      join(artifacts, 'chromium-no-root', 'screenshots', 'bank-login-2.png'),
    ]);
    expect(captures).toEqual([]);
  });

  it('with the state root: the account page loads through the interceptor, which reads the password', async () => {
    const chromium = await launch('chromium-with-root', 'installed-cert', { trusts: ['web', 'state'], distrust: false });
    const { result: run, captures } = await readDuring('installed-cert', () =>
      chromium.runStep(step('bank-login', { kind: 'login', site: 'bank.example', ...ALICE })),
    );

    expect(run.summary).toBe('logged in as alice: https://bank.example/account "My account · Qazaq Bank"');
    expect(run.attempts.map((a) => `${a.url} ${a.status} ${a.issuer}`)).toEqual([
      'https://bank.example/login 200 Security Certificate',
      'https://bank.example/login 302 Security Certificate',
      'https://bank.example/account 200 Security Certificate',
    ]);
    expect(captures.map((c) => `${c.site} ${c.kind} ${c.value}`)).toContain('bank.example credential username=alice&password=Almaty-2019!');
    expect(isPng(run.screenshots.at(-1)!)).toBe(true);
  });

  it('with the state root: webmail and the WebSocket chat work in the pages, and the box reads the token and the messages', async () => {
    const chromium = await launch('chromium-with-root-2', 'installed-cert', { trusts: ['web', 'state'], distrust: false });
    const { result, captures } = await readDuring('installed-cert', async () => ({
      mail: await chromium.runStep(step('mail', { kind: 'mail', site: 'mail.example', ...ALICE })),
      chat: await chromium.runStep(step('chat', { kind: 'chat', site: 'social.example', messages: ['hi', 'meet at 6'] })),
    }));

    expect(result.mail.summary).toBe('read the inbox: 3 messages');
    expect(result.mail.attempts.map((a) => `${a.url} ${a.status}`)).toEqual([
      'https://mail.example/ 200',
      'https://mail.example/api/login 200',
      'https://mail.example/api/inbox 200',
    ]);
    expect(result.chat.summary).toBe('chatted: sent 2, the page shows 3 messages');
    expect(result.chat.attempts.find((a) => a.scheme === 'wss')).toMatchObject({
      url: 'wss://social.example/chat',
      status: 101,
      issuer: 'Security Certificate',
    });
    expect(captures.some((c) => c.site === 'mail.example' && c.kind === 'header' && /^authorization: Bearer [0-9a-f]+/.test(c.value))).toBe(true);
    expect(captures.filter((c) => c.kind === 'ws-message').map((c) => c.value)).toEqual(expect.arrayContaining(['→ {"text":"hi"}', '→ {"text":"meet at 6"}']));
  });

  it('state root installed, then blocked by a CRLSet as Chrome did in 2019: ERR_CERT_REVOKED, no way through even without HSTS', async () => {
    const chromium = await launch('chromium-distrust-2019', 'installed-cert', { trusts: ['web', 'state'], distrust: true, clickThrough: true });
    const { result, captures } = await readDuring('installed-cert', async () => ({
      bank: await chromium.runStep(step('bank-login', { kind: 'login', site: 'bank.example', ...ALICE })),
      search: await chromium.runStep(step('search', { kind: 'search', site: 'search.example', query: 'vpn download' })),
    }));

    for (const [run, site] of [
      [result.bank, 'bank.example'],
      [result.search, 'search.example'],
    ] as const) {
      expect(run.attempts).toHaveLength(1);
      expect(run.attempts[0]).toMatchObject({
        site,
        issuer: 'Security Certificate',
        error: {
          code: 'net::ERR_CERT_REVOKED',
          message: expect.stringContaining(`You cannot visit ${site} right now because its certificate has been revoked.`),
        },
      });
      expect(run.summary).toContain('no way through');
    }
    // A person who clicks through everything had nothing to click on: the box read nothing.
    expect(captures).toEqual([]);
  });

  it('blocked as a known interception root (2020 ISCA): ERR_CERT_KNOWN_INTERCEPTION_BLOCKED, whose page still offers "Proceed"', async () => {
    const chromium = await launch('chromium-distrust-2020', 'installed-cert', { trusts: ['web', 'state'], distrust: true, distrustAs: 'known-interception' });
    const run = await chromium.runStep(step('bank-login', { kind: 'login', site: 'bank.example', ...ALICE }));

    expect(run.attempts[0]).toMatchObject({
      issuer: 'Security Certificate',
      error: { code: 'net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED', message: expect.stringContaining('Your activity on bank.example is being monitored') },
    });
    expect(run.summary).toContain('the person did not click "Proceed"');
  });

  it('a person who clicks through: the bank (HSTS) still has no way through, search (no HSTS) does, and the box reads the query', async () => {
    const chromium = await launch('chromium-click-through', 'no-cert', { trusts: ['web'], distrust: false, clickThrough: true });
    const { result, captures } = await readDuring('no-cert', async () => ({
      bank: await chromium.runStep(step('bank-login', { kind: 'login', site: 'bank.example', ...ALICE })),
      search: await chromium.runStep(step('search', { kind: 'search', site: 'search.example', query: 'vpn download' })),
    }));

    expect(at(result.bank.attempts, 0, 'attempt').error?.code).toBe('net::ERR_CERT_AUTHORITY_INVALID');
    expect(result.bank.summary).toContain('because the website uses HSTS');
    expect(result.search.summary).toBe(
      'searched "vpn download": 200 "vpn download - find. Search" after the person clicked through the warning (net::ERR_CERT_AUTHORITY_INVALID) and proceeded',
    );
    expect(result.search.attempts).toEqual([
      expect.objectContaining({ status: null, issuer: 'Security Certificate', error: expect.objectContaining({ code: 'net::ERR_CERT_AUTHORITY_INVALID' }) }),
      expect.objectContaining({ status: 200, issuer: 'Security Certificate', error: null, note: expect.stringContaining('clicked through') }),
    ]);
    expect(captures.map((c) => `${c.site} ${c.kind} ${c.value}`)).toContain('search.example url GET https://search.example/search?q=vpn%20download');
    expect(captures.some((c) => c.site === 'bank.example')).toBe(false);
  });

  it('the install page opens over plain HTTP and is photographed', async () => {
    const chromium = await launch('chromium-install-page', 'no-cert', { trusts: ['web'], distrust: false });
    const run = await chromium.runStep(step('install-page', { kind: 'browse', url: 'http://qca.example/' }));

    expect(run.summary).toBe('200 http://qca.example/ "Qaznet Trust Network: national security certificate"');
    expect(run.attempts).toEqual([expect.objectContaining({ scheme: 'http', url: 'http://qca.example/', status: 200, issuer: null, error: null })]);
    expect(run.screenshots).toEqual([join(artifacts, 'chromium-install-page', 'screenshots', 'install-page-1.png')]);
    expect(existsSync(at(run.screenshots, 0, 'screenshot'))).toBe(true);
    expect(isPng(at(run.screenshots, 0, 'screenshot'))).toBe(true);
  });

  it('a name outside the lab does not resolve, and the box sees nothing of it', async () => {
    const chromium = await launch('chromium-outside', 'no-cert', { trusts: ['web'], distrust: false });
    // Not a lab host (and a name that resolves nowhere, RFC 6761, should the lab's guard fail): the
    // schema would refuse it, so the step is built by hand.
    const { result: run, events } = await readDuring('no-cert', () => chromium.runStep(step('outside', { kind: 'browse', url: 'https://nowhere.invalid/' })));

    expect(run.attempts).toEqual([
      expect.objectContaining({ url: 'https://nowhere.invalid/', status: null, error: expect.objectContaining({ code: 'net::ERR_NAME_NOT_RESOLVED' }) }),
    ]);
    expect(run.summary).toBe('could not open https://nowhere.invalid/: net::ERR_NAME_NOT_RESOLVED "This site can’t be reached"');
    // No connection reached the box (earlier tests' idle connections may still be closing).
    expect(events.filter((e) => e.type === 'connection')).toEqual([]);
  });
});

function isPng(file: string): boolean {
  return readFileSync(file)
    .subarray(0, 8)
    .equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}
