/**
 * The kz-2019 scenario end to end on the local runtime: real sockets, real TLS, the real
 * http-mitm-proxy. Asserts what a student reads in the report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import type { Report } from '../../src/scenario/report.ts';
import { runScenario } from '../../src/scenario/runner.ts';

describe('kz-2019 on the local runtime', () => {
  let lab: Lab;
  let report: Report;
  const row = (client: string, site: string) => report.results.find((r) => r.client === client && r.site === site && r.transport === 'tls');
  const read = (client: string, site: string) => report.captured.filter((c) => c.client === client && c.site === site);

  beforeAll(async () => {
    lab = await startLab(await resolveScenario('kz-2019'));
    report = await runScenario(lab);
  });
  afterAll(() => lab?.stop());

  it('meets every expectation written in the scenario', () => {
    expect(report.expectations.filter((x) => !x.met)).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('exposes the subscriber who installed the state root on every targeted site', () => {
    for (const site of ['bank.example', 'mail.example', 'social.example', 'search.example']) {
      expect(row('installed-cert', site)).toMatchObject({ outcome: 'exposed', issuer: 'Security Certificate', cause: null });
    }
  });

  it('reads the bank password, the session cookie, the mail token and the chat', () => {
    expect(read('installed-cert', 'bank.example').map((c) => `${c.kind} ${c.value}`)).toEqual(
      expect.arrayContaining([
        'credential username=alice&password=Almaty-2019!',
        'url POST https://bank.example/login',
        expect.stringMatching(/^cookie set-cookie: session=[0-9a-f]{32}$/),
        expect.stringMatching(/^cookie session=[0-9a-f]{32}$/),
      ]),
    );
    expect(read('installed-cert', 'mail.example').some((c) => c.kind === 'header' && /^authorization: Bearer [0-9a-f]+/.test(c.value))).toBe(true);
    const chat = read('installed-cert', 'social.example')
      .filter((c) => c.kind === 'ws-message')
      .map((c) => c.value);
    expect(chat).toEqual(expect.arrayContaining(['→ {"text":"hi"}', '→ {"text":"meet at 6"}']));
    expect(chat.some((m) => m.startsWith('← ') && m.includes('meet at 6'))).toBe(true);
  });

  it('tells the captures apart by step', () => {
    const credential = report.captured.find((c) => c.kind === 'credential' && c.site === 'bank.example');
    expect(credential?.step).toBe('bank-login');
  });

  it("refuses the subscriber without the root, with the client's own words", () => {
    for (const site of ['bank.example', 'mail.example', 'social.example', 'search.example']) {
      const r = row('no-cert', site)!;
      expect(r.outcome).toBe('refused');
      expect(r.cause).toBe('untrusted-issuer');
      expect(r.issuer).toBe('Security Certificate');
      expect(r.error).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY: unable to get local issuer certificate');
    }
    // Nothing it sent over TLS was read.
    expect(read('no-cert', 'bank.example')).toEqual([]);
    expect(read('no-cert', 'mail.example')).toEqual([]);
  });

  it('records the refusal on the interceptor side too, as an event and not a stack trace', () => {
    const failures = lab.interceptorEvents().filter((e) => e.type === 'client-tls-failed');
    expect(failures.length).toBeGreaterThanOrEqual(4);
    const noCert = lab.clientAddress('no-cert');
    const refusedFlows = new Set(failures.map((f) => (f as { flow: string }).flow));
    const noCertIntercepted = lab.interceptorEvents().filter((e) => e.type === 'connection' && e.client.address === noCert && e.decision === 'intercept');
    expect(noCertIntercepted.length).toBe(4);
    for (const c of noCertIntercepted) expect(refusedFlows.has((c as { flow: string }).flow)).toBe(true);
  });

  it('leaves news.example alone: the real certificate, only metadata seen', () => {
    for (const client of ['no-cert', 'installed-cert']) {
      expect(row(client, 'news.example')).toMatchObject({ outcome: 'untouched', issuer: 'Lab TLS Issuing CA 1' });
      expect(read(client, 'news.example')).toEqual([]);
    }
    const passes = lab.interceptorEvents().filter((e) => e.type === 'connection' && e.sni === 'news.example');
    // Every client visits it at least once (a browser may open more than one connection).
    expect(new Set(passes.map((p) => (p as { line: string }).line)).size).toBe(9);
    for (const p of passes) expect(p).toMatchObject({ decision: 'pass', reason: 'SNI news.example is not on the target list' });
  });

  it('sends plain HTTP to a targeted name to the install page, which offers the root', () => {
    const step = report.steps.find((s) => s.id === 'social-plain-http')!;
    for (const c of step.clients.filter((x) => !x.skipped && !x.client.startsWith('chromium'))) {
      expect(c.summary).toMatch(/^200 http:\/\/qca\.example\/\?from=http%3A%2F%2Fsocial\.example%2F/);
    }
    expect(step.clients.filter((x) => x.skipped).map((x) => x.client)).toEqual(['openssl-no-cert', 'openssl-installed']);
    // Chromium's own HSTS upgrade: the no-root browser is refused over https instead.
    expect(step.clients.find((x) => x.client === 'chromium-no-cert')).toMatchObject({ outcome: 'refused', cause: 'hsts-no-override' });
    // openssl s_client speaks TLS only, and Chromium knows social.example's HSTS and upgrades
    // to https itself: the scripted clients and curl make the plain-HTTP visit.
    const redirected = lab.interceptorEvents().filter((e) => e.type === 'install-page-redirect');
    const lineOf = (flow: string) => lab.interceptorEvents().flatMap((c) => (c.type === 'connection' && c.flow === flow ? [c.line] : []))[0];
    expect(new Set(redirected.map((e) => lineOf((e as { flow: string }).flow)))).toEqual(
      new Set(['no-cert', 'installed-cert', 'curl-no-cert', 'curl-installed']),
    );
  });

  it('forges with names copied from the real certificate, signed by the state intermediate', () => {
    const bank = report.forged.find((f) => f.sni === 'bank.example')!;
    expect(bank).toMatchObject({
      sni: 'bank.example',
      names: ['bank.example'],
      issuer: 'C=KZ, CN=Security Certificate',
      realIssuer: 'C=US, O=Lab Trust Services, CN=Lab TLS Issuing CA 1',
    });
    const field = (name: string) => bank.diff.find((r) => r.field === name)!;
    expect(field('subject').same).toBe(true);
    expect(field('names (SAN)').same).toBe(true);
    expect(field('key')).toMatchObject({ original: 'RSA-2048, e=65537', forged: 'RSA-2048, e=3' });
    expect(field('extensions').forged).toBe('subjectAltName');
    expect(Date.parse(field('not before').original) - Date.parse(field('not before').forged)).toBe(6 * 3600_000);
  });

  it('keeps the report contract of docs/architecture.md', () => {
    const json = JSON.parse(JSON.stringify(report));
    expect(json.scenario).toBe('kz-2019');
    expect(json.runtime).toBe('local');
    for (const r of json.results) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['client', 'site', 'outcome', 'cause', 'issuer', 'error']));
      expect(['exposed', 'refused', 'untouched']).toContain(r.outcome);
    }
    for (const c of json.captured) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['client', 'site', 'kind', 'value']));
      expect(['url', 'cookie', 'credential', 'header', 'body', 'ws-message']).toContain(c.kind);
    }
    expect(json.stateCa.nameConstrained).toBe(true);
    expect(json.stateCa.note).toMatch(/name-constrained to \.example, \.test/);
  });
});
