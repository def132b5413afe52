/**
 * Bring your own client in the docker lab: an image of the user's own runs as a subscriber's
 * container (`tlslab test --runtime docker --image IMAGE`), unmodified, with no proxy settings,
 * and is judged site by site like the lab's own clients. The user's image here is the lab's own
 * (it has curl): the point is the container, which knows nothing about the lab.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_IMAGE } from '../../src/runtime/docker/compose-file.ts';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { testProgram } from '../../src/scenario/program-test.ts';
import { dockerMissing } from './docker-available.ts';

const IMAGE = `${LAB_IMAGE}:latest`;
const CURL = ['curl', '-sS', '--max-time', '10', '-d', 'username=alice&password=Almaty-2019!', '{url}login', '-o', '/dev/null', '-w', '%{http_code}\n'];

describe.skipIf(dockerMissing !== null)('tlslab test --runtime docker --image: your image as a subscriber', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab(await resolveScenario('kz-2019'), { runtime: 'docker' });
  }, 180_000);
  afterAll(async () => {
    await lab?.stop();
  });
  const sites = ['bank.example', 'news.example'];

  it('with the state root installed, the box reads it on the target and leaves the rest alone', { timeout: 120_000 }, async () => {
    const r = await testProgram(lab, { command: CURL, trusts: ['web', 'state'], sites, timeoutMs: 30_000, image: IMAGE });
    const bank = r.results.find((x) => x.site === 'bank.example')!;
    expect(bank).toMatchObject({ outcome: 'exposed', issuer: 'Security Certificate', exitCode: 0 });
    expect(bank.captured).toContainEqual({ kind: 'credential', value: 'username=alice&password=Almaty-2019!' });
    expect(r.results.find((x) => x.site === 'news.example')).toMatchObject({ outcome: 'untouched', connections: 1 });
  });

  it('without it, the program refuses in its own words, and nothing is read', { timeout: 120_000 }, async () => {
    const r = await testProgram(lab, { command: CURL, trusts: ['web'], sites: ['bank.example'], timeoutMs: 30_000, image: IMAGE });
    expect(r.results[0]).toMatchObject({ outcome: 'refused', cause: 'untrusted-issuer', exitCode: 60, captured: [] });
    expect(r.results[0]!.error).toContain('SSL certificate problem: unable to get local issuer certificate');
  });

  it("nothing leaves the lab from the user's container either", { timeout: 60_000 }, async () => {
    const run = await lab.runProgram({
      line: 'your-program',
      trusts: ['web'],
      image: IMAGE,
      timeoutMs: 30_000,
      command: ['sh', '-c', 'curl -sS --max-time 5 https://nowhere.example.net.invalid/; echo "dns=$?"; curl -sS --max-time 3 http://192.0.2.1/; echo "ip=$?"'],
    });
    expect(run.stdout).toContain('dns=6');
    expect(run.stdout).not.toContain('ip=0');
  });

  it('leaves no container of its own behind once the lab stops, nor the host rule once no lab is left', { timeout: 120_000 }, async () => {
    const project = lab.describe().docker!.project;
    await lab.stop();
    const left = execFileSync('docker', ['ps', '-a', '--format', '{{.Names}}'], { encoding: 'utf8' });
    expect(left.split('\n').filter((n) => n.startsWith(project))).toEqual([]);
    // The last lab down takes the host's forwarding rule with it (docker tests run one file at a time).
    const labNetworks = execFileSync('docker', ['network', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => n.startsWith('tlslab'));
    if (labNetworks.length === 0) expect(execFileSync('iptables', ['-S', 'DOCKER-USER'], { encoding: 'utf8' })).not.toContain('10.89.0.0/16');
  });
});
