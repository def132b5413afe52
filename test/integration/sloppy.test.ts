/** The sloppy interceptor: a second attacker beyond the ISP reads what the state reads. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import type { Report } from '../../src/scenario/report.ts';
import { runScenario } from '../../src/scenario/runner.ts';

describe('sloppy: no upstream validation, an attacker upstream', () => {
  let lab: Lab;
  let report: Report;
  beforeAll(async () => {
    lab = await startLab(await resolveScenario('sloppy'));
    report = await runScenario(lab);
  });
  afterAll(() => lab?.stop());

  it('shows the subscriber a "valid" state chain while the bank is really the attacker', () => {
    const bank = report.results.find((r) => r.client === 'installed-cert' && r.site === 'bank.example')!;
    expect(bank).toMatchObject({ outcome: 'exposed', issuer: 'Security Certificate' });
    const forged = report.forged.find((f) => f.sni === 'bank.example')!;
    expect(forged.realIssuer).toBe('CN=Hijack Issuing CA');
  });

  it('lets the attacker read the password too, attributed to the subscriber', () => {
    expect(report.attacker?.captured).toEqual(
      expect.arrayContaining([expect.objectContaining({ client: 'installed-cert', kind: 'credential', value: 'username=alice&password=Almaty-2019!' })]),
    );
    expect(report.attacker?.captured.filter((c) => c.client === 'no-cert')).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it("grades the box's own upstream TLS", () => {
    expect(report.upstreamGrade?.grade).toBe('B');
    expect(report.upstreamGrade?.reasons.join(' ')).toContain('TLS_RSA_WITH_AES_128_CBC_SHA');
  });
});
