/**
 * The scenarios shipped as data only (no TypeScript of their own): each runs end to end on the
 * local runtime and meets every expectation its file writes, and the report speaks of whoever
 * runs the box as the file says.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { narrateReport } from '../../src/scenario/narrate.ts';
import { runScenario } from '../../src/scenario/runner.ts';

describe.each([
  [
    'ru-2022',
    'C=RU, O=The Ministry of Digital Development and Communications, CN=Russian Trusted Root CA',
    'the state read credential',
    'logged in as ivan: 200 "My account · Sever Bank"',
  ],
  [
    'corporate-inspection',
    'C=US, O=Example Corp, OU=IT Security, CN=Example Corp TLS Inspection Root',
    'the company read credential',
    'logged in as jordan: 200 "My account · First Example Bank"',
  ],
  [
    'kz-2021',
    'C=KZ, O=ISCA, CN=Information Security Certification Authority CA',
    'the state read ws-message',
    'BLOCKED   could not open https://news.example/: the connection was reset',
  ],
])('%s', (name, root, readLine, bankLogin) => {
  it('meets every expectation its file writes, with its own state CA, operator, sites and people', async () => {
    const lab = await startLab(await resolveScenario(name));
    try {
      const report = await runScenario(lab);
      expect(report.expectations.filter((x) => !x.met)).toEqual([]);
      expect(report.stateCa.root.subject).toBe(root);
      const narration = narrateReport(report);
      expect(narration).toContain(readLine);
      expect(narration).toContain(bankLogin);
    } finally {
      await lab.stop();
    }
  });
});

describe('kz-2021: blocking beside the interception', () => {
  it('resets plain HTTP to a blocked site as well, and records why', async () => {
    const lab = await startLab(await resolveScenario('kz-2021'));
    try {
      const route = lab.describe().hosts.find((h) => h.name === 'news.example')!.routes!.http!;
      const error = await new Promise<Error | null>((resolve) => {
        http
          .get({ host: route.address, port: route.port, path: '/', headers: { host: 'news.example' }, agent: false }, (res) => {
            res.resume();
            resolve(null);
          })
          .on('error', resolve);
      });
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      const seen = lab.interceptorEvents().filter((e) => e.type === 'connection' && e.destinationName === 'news.example');
      expect(seen).toEqual([
        expect.objectContaining({
          protocol: 'http',
          decision: 'block',
          reason: 'plain HTTP to news.example, which is on the block list: the box resets the connection',
        }),
      ]);
    } finally {
      await lab.stop();
    }
  });
});
