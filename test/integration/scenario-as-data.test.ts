/**
 * A scenario written only in YAML, with a state CA of its own (test/fixtures/scenarios/
 * elsewhere-2022.yaml: no preset, new names, key sizes, forging habits; its own hosts, bank
 * branding, currency and people; clients of its own), run end to end on the local runtime: the
 * lab mints, forges, serves and reports exactly what the file says.
 */
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import type { Report } from '../../src/scenario/report.ts';
import { runScenario } from '../../src/scenario/runner.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'elsewhere-2022.yaml');

describe('a scenario whose state CA is data only', () => {
  let lab: Lab;
  let report: Report;
  const row = (client: string, site: string) => report.results.find((r) => r.client === client && r.site === site && r.transport === 'tls');

  beforeAll(async () => {
    lab = await startLab(await resolveScenario(FIXTURE));
    report = await runScenario(lab);
  });
  afterAll(() => lab?.stop());

  it('meets every expectation the file writes', () => {
    expect(report.expectations.filter((x) => !x.met)).toEqual([]);
  });

  it('mints the root and the intermediate the file describes', async () => {
    expect(report.stateCa.profile).toBe('elsewhere-2022');
    expect(report.stateCa.root).toMatchObject({ subject: 'C=EW, O=Ministry of Digital Affairs, CN=Elsewhere Trusted Root CA', keyBits: 3072 });
    expect(report.stateCa.intermediate.subject).toBe('C=EW, CN=Elsewhere Issuing CA 1');
    // The root a subscriber installs, as a file: its dates are the file's.
    const root = new X509Certificate(await readFile(lab.describe().trust.stateRoot));
    expect(root.validFrom).toBe('Mar  1 00:00:00 2022 GMT');
    expect(root.validTo).toBe('Mar  1 00:00:00 2032 GMT');
  });

  it("runs the file's hosts and people: the bank under its own name, mira's login read", () => {
    expect(report.sites.map((x) => `${x.host} ${x.kind}`)).toEqual([
      'trust.example install-page',
      'ewbank.example bank',
      'post.test mail',
      'daily.example news',
    ]);
    const summary = (step: string, client: string) => report.steps.find((x) => x.id === step)!.clients.find((c) => c.client === client)!.summary;
    expect(summary('bank-login', 'obedient-resident')).toBe('logged in as mira: 200 "My account · Elsewhere Savings Bank"');
    expect(summary('news', 'resident')).toContain('"Headlines · The Elsewhere Daily"');
    expect(summary('plain-bank', 'resident')).toContain('http://trust.example/?from=');
    const read = report.captured.filter((c) => c.client === 'obedient-resident' && c.kind === 'credential').map((c) => `${c.site} ${c.value}`);
    expect(read).toEqual(['ewbank.example username=mira&password=Elsewhere-22!', 'post.test username=mira&password=Elsewhere-22!']);
  });

  it('shows mira her own statement, in euros as de-DE writes them (through the box, trusting the state root)', async () => {
    const d = lab.describe();
    const route = d.hosts.find((h) => h.name === 'ewbank.example')!.routes!.https!;
    const ca = [await readFile(d.trust.webRoot, 'utf8'), await readFile(d.trust.stateRoot, 'utf8')];
    const send = (path: string, headers: Record<string, string>, body?: string) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
        const req = https.request(
          {
            host: route.address,
            port: route.port,
            servername: 'ewbank.example',
            ca,
            path,
            method: body ? 'POST' : 'GET',
            headers: { host: 'ewbank.example', ...headers },
            agent: false,
          },
          (res) => {
            let text = '';
            res
              .setEncoding('utf8')
              .on('data', (c: string) => (text += c))
              .on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
          },
        );
        req.on('error', reject).end(body);
      });
    const login = await send('/login', { 'content-type': 'application/x-www-form-urlencoded' }, 'username=mira&password=Elsewhere-22!');
    expect(login.status).toBe(302);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const account = await send('/account', { cookie });
    expect(account.status).toBe(200);
    expect(account.text).toContain('Current account of Mira Kovač');
    expect(account.text).toContain('4.321,50\u00a0€');
    expect(account.text).toContain('Rent, March');
    const wrong = await send('/login', { 'content-type': 'application/x-www-form-urlencoded' }, 'username=alice&password=Almaty-2019!');
    expect(wrong.status).toBe(401);
  });

  it("forges with the file's habits: its issuer, a 3072-bit key with e=65537, and only the SAN copied", () => {
    expect(row('obedient-resident', 'ewbank.example')).toMatchObject({ outcome: 'exposed', issuer: 'Elsewhere Issuing CA 1' });
    const forged = report.forged.find((f) => f.sni === 'ewbank.example')!;
    const field = (name: string) => forged.diff.find((d) => d.field === name)!;
    expect(field('key').forged).toBe('RSA-3072, e=65537');
    expect(field('issuer').forged).toBe('C=EW, CN=Elsewhere Issuing CA 1');
    expect(field('extensions').forged).toBe('subjectAltName');
  });

  it('refuses the resident without the root, and leaves the untargeted site alone', () => {
    expect(row('resident', 'ewbank.example')).toMatchObject({ outcome: 'refused', cause: 'untrusted-issuer' });
    expect(row('obedient-resident', 'daily.example')).toMatchObject({ outcome: 'untouched' });
  });
});
