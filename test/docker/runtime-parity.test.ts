/**
 * The same scenario on both runtimes gives the same outcomes: every client (scripted, curl,
 * openssl and Chromium), every site, every step, and every expectation of kz-2019.
 */
import { describe, expect, it } from 'vitest';
import { startLab } from '../../src/runtime/start-lab.ts';
import type { RuntimeName } from '../../src/runtime/lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import type { Report } from '../../src/scenario/report.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { dockerMissing } from './docker-available.ts';

async function reportOn(runtime: RuntimeName): Promise<Report> {
  const lab = await startLab(await resolveScenario('kz-2019'), { runtime });
  try {
    return await runScenario(lab);
  } finally {
    await lab.stop();
  }
}

/** What a person reads off the report, without times, serials or flow ids. */
function outcomes(r: Report) {
  return {
    results: r.results.map((x) => `${x.client} ${x.site} ${x.transport}: ${x.outcome} ${x.cause ?? ''} issuer=${x.issuer}`).sort(),
    steps: r.steps.flatMap((s) => s.clients.map((c) => `${s.id} ${c.client}: ${c.outcome} ${c.cause ?? ''}${c.skipped ? ' skipped' : ''}`)).sort(),
    credentials: [...new Set(r.captured.filter((c) => c.kind === 'credential').map((c) => `${c.client} ${c.site} ${c.value}`))].sort(),
    expectations: r.expectations.map((e) => `${e.met ? 'met' : 'NOT MET'}: ${JSON.stringify(e.expectation)}`),
  };
}

describe.skipIf(dockerMissing !== null)('kz-2019 on the local and the docker runtime', () => {
  it('reports the same outcomes', { timeout: 300_000 }, async () => {
    const docker = await reportOn('docker');
    const local = await reportOn('local');
    expect(docker.runtime).toBe('docker');
    expect(local.runtime).toBe('local');
    const d = outcomes(docker);
    expect(d.results.length).toBeGreaterThan(30);
    expect(d.credentials).toContain('installed-cert bank.example username=alice&password=Almaty-2019!');
    expect(d.expectations.every((e) => e.startsWith('met'))).toBe(true);
    expect(d).toEqual(outcomes(local));
  });
});
