/**
 * The scenario written only in YAML (test/fixtures/scenarios/elsewhere-2022.yaml) on the docker
 * runtime: one container per host the file declares, minting and forging with the file's names,
 * keys and habits, serving its bank and people; every expectation it writes is met, as on the
 * local runtime (test/integration/scenario-as-data).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { dockerMissing } from './docker-available.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'elsewhere-2022.yaml');

describe.skipIf(dockerMissing !== null)('a scenario whose state CA is data only, on the docker runtime', () => {
  it('meets every expectation, forged by its own CA with its own key size', { timeout: 300_000 }, async () => {
    const lab = await startLab(await resolveScenario(FIXTURE), { runtime: 'docker' });
    try {
      const report = await runScenario(lab);
      expect(report.runtime).toBe('docker');
      expect(report.expectations.filter((x) => !x.met)).toEqual([]);
      expect(report.stateCa.root).toMatchObject({ subject: 'C=EW, O=Ministry of Digital Affairs, CN=Elsewhere Trusted Root CA', keyBits: 3072 });
      const row = report.results.find((r) => r.client === 'obedient-resident' && r.site === 'ewbank.example' && r.transport === 'tls');
      expect(row).toMatchObject({ outcome: 'exposed', issuer: 'Elsewhere Issuing CA 1' });
      const login = report.steps.find((x) => x.id === 'bank-login')!.clients.find((c) => c.client === 'obedient-resident')!;
      expect(login.summary).toBe('logged in as mira: 200 "My account · Elsewhere Savings Bank"');
      // One container per declared host, named after its first label, and nothing else.
      const sites = lab
        .describe()
        .hosts.filter((h) => h.role === 'site')
        .map((h) => h.name);
      expect(sites).toEqual(['trust.example', 'ewbank.example', 'post.test', 'daily.example']);
      const forged = report.forged.find((f) => f.sni === 'ewbank.example')!;
      expect(forged.diff.find((d) => d.field === 'key')!.forged).toBe('RSA-3072, e=65537');
    } finally {
      await lab.stop();
    }
  });
});
