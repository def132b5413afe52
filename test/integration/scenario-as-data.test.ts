/**
 * A scenario written only in YAML, with a state CA of its own (test/fixtures/scenarios/
 * elsewhere-2022.yaml: no preset, new names, key sizes, forging habits and clients), run end to
 * end on the local runtime: the lab mints, forges and reports exactly what the file says.
 */
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

  it('forges with the file\'s habits: its issuer, a 3072-bit key with e=65537, and only the SAN copied', () => {
    expect(row('obedient-resident', 'bank.example')).toMatchObject({ outcome: 'exposed', issuer: 'Elsewhere Issuing CA 1' });
    const forged = report.forged.find((f) => f.sni === 'bank.example')!;
    const field = (name: string) => forged.diff.find((d) => d.field === name)!;
    expect(field('key').forged).toBe('RSA-3072, e=65537');
    expect(field('issuer').forged).toBe('C=EW, CN=Elsewhere Issuing CA 1');
    expect(field('extensions').forged).toBe('subjectAltName');
  });

  it('refuses the resident without the root, and leaves the untargeted site alone', () => {
    expect(row('resident', 'bank.example')).toMatchObject({ outcome: 'refused', cause: 'untrusted-issuer' });
    expect(row('obedient-resident', 'news.example')).toMatchObject({ outcome: 'untouched' });
  });
});
