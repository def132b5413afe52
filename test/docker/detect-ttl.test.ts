/**
 * `tlslab detect --runtime docker`: from a probe on a subscriber line, the box's targets by the
 * certificate comparison and its hop by TTL, across real router containers (Raman et al., IMC
 * 2020, section 4). The probe knows nothing of the box: it must find it wherever the scenario
 * puts it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DockerLab } from '../../src/runtime/docker/docker-lab.ts';
import { detectInterception } from '../../src/scenario/detect.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { dockerMissing } from './docker-available.ts';

const run = promisify(execFile);

describe.skipIf(dockerMissing !== null)('the box found by TTL in the docker lab', () => {
  it("kz-2019: the CLI finds the targets, each hop's ICMP source, and the box at hop 2, 3 hops before the server", { timeout: 240_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tlslab-detect-docker-'));
    const { stdout } = await run(
      process.execPath,
      ['src/cli/tlslab.mjs', 'detect', '--scenario', 'kz-2019', '--runtime', 'docker', '--state-dir', stateDir, '--json'],
      { timeout: 200_000 },
    );
    const det = JSON.parse(stdout);
    expect(det.triggering).toEqual(['bank.example', 'mail.example', 'search.example', 'social.example']);
    expect({ precision: det.precision, recall: det.recall }).toEqual({ precision: 1, recall: 1 });
    expect(det.vantage).toMatch(/probe container on a subscriber line \(10\.89\.\d+\.251/);
    const home = det.vantage.match(/\((10\.89\.\d+)\.251/)[1];
    const internet = det.ttl.route.address.replace(/\.\d+$/, '');
    // One router before the box (home .3), the box (home .2), two after it (internet .200, .201), then the server.
    expect(det.ttl.hops.map((h: { icmp: { from: string; kind: string } | null }) => h.icmp)).toEqual([
      { from: `${home}.3`, kind: 'time-exceeded' },
      { from: `${home}.2`, kind: 'time-exceeded' },
      { from: `${internet}.200`, kind: 'time-exceeded' },
      { from: `${internet}.201`, kind: 'time-exceeded' },
      { from: det.ttl.route.address, kind: 'echo-reply' },
    ]);
    // Hop 1: the ClientHello dies at the router, no certificate; hop 2: the forged one.
    expect(det.ttl.hops[0].target).toMatchObject({ seen: null });
    expect(det.ttl.hops[1].target.seen).toMatchObject({ webTrusted: false, issuer: expect.stringContaining('CN=Security Certificate') });
    expect({ boxHop: det.ttl.boxHop, serverHop: det.ttl.serverHop, truth: det.boxHopTruth }).toEqual({ boxHop: 2, serverHop: 5, truth: 2 });
  });

  it('finds the box wherever the scenario puts it (three routers before it, none after)', { timeout: 240_000 }, async () => {
    const base = await resolveScenario('kz-2019');
    const scenario = { ...base, clients: base.clients.slice(0, 1), interceptor: { ...base.interceptor, location: { routersBefore: 3, routersAfter: 0 } } };
    const lab = await DockerLab.start(scenario);
    try {
      const det = await detectInterception(scenario, lab, ['news.example', 'bank.example']);
      expect(det.triggering).toEqual(['bank.example']);
      expect(det.ttl).toMatchObject({ boxHop: 4, serverHop: 5 });
      expect(det.ttl!.hops.slice(0, 3).map((h) => h.target?.seen ?? null)).toEqual([null, null, null]);
    } finally {
      await lab.stop();
    }
  });
});
