/**
 * Compose v1 and v2: tlslab's own labs need neither (start-services.ts starts them with the docker
 * CLI), and the compose file each writes still describes the running lab to whichever compose a
 * person has; where the `docker compose` plugin is installed, a standalone file runs under it too
 * (v2 names its containers `p-isp-1`, v1 `p_isp_1`).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DockerComposeEnvironment, Wait } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { DockerLab } from '../../src/runtime/docker/docker-lab.ts';
import { STANDALONE_COMPOSE_FILE } from '../../src/runtime/docker/standalone-compose.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { dockerMissing, whyComposeV2IsMissing } from './docker-available.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
const v2Missing = dockerMissing ?? whyComposeV2IsMissing();
if (v2Missing) console.warn(`[test/docker/compose-v2] skipping the compose v2 runs: ${v2Missing}`);

describe.skipIf(dockerMissing !== null)('a tlslab lab without compose', () => {
  it('starts and intercepts with only the docker CLI on PATH; `docker-compose ps` with its file then lists its services', { timeout: 180_000 }, async () => {
    // A PATH holding docker and nothing else: no docker-compose, no compose plugin's own lookups.
    const bin = mkdtempSync(join(tmpdir(), 'tlslab-only-docker-'));
    symlinkSync(execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim(), join(bin, 'docker'));
    const path = process.env.PATH;
    process.env.PATH = bin;
    let lab: DockerLab;
    try {
      lab = await DockerLab.start(await resolveScenario('kz-2019'));
    } finally {
      process.env.PATH = path;
      rmSync(bin, { recursive: true, force: true });
    }
    try {
      const out = execFileSync(
        'docker',
        ['exec', lab.project.container('installed-cert'), 'curl', '-sS', 'https://bank.example/', '-o', '/dev/null', '-w', '%{certs}'],
        { encoding: 'utf8' },
      );
      expect(out).toContain('Issuer:C = KZ, CN = Security Certificate');
      // The containers carry compose's labels: compose (v1 here, v2 where it is the one installed) finds them from the file.
      const ids = (out: string) => out.split('\n').filter(Boolean).sort();
      const found = ids(execFileSync('docker-compose', ['-p', lab.project.name, '-f', lab.project.composeFile, 'ps', '-q'], { encoding: 'utf8' }));
      const running = ids(
        execFileSync('docker', ['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${lab.project.name}`], { encoding: 'utf8' }),
      );
      // Every host's container and the one-shot hostnet-fix.
      expect(running).toHaveLength(Object.keys(lab.describe().docker!.containers).length + 1);
      expect(found).toEqual(running);
      const logs = execFileSync('docker-compose', ['-p', lab.project.name, '-f', lab.project.composeFile, 'logs', '--no-color', 'isp'], { encoding: 'utf8' });
      expect(logs).toContain('"event":"router"');
    } finally {
      await lab.stop();
    }
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${lab.project.name}`], { encoding: 'utf8' }).trim()).toBe('');
  });
});

describe.skipIf(v2Missing !== null)('under compose v2 (docker compose)', () => {
  it('docker compose -f docker/compose.yaml up returns when the lab serves', { timeout: 240_000 }, async () => {
    const project = `tlslabv2${randomBytes(3).toString('hex')}`;
    const env = await new DockerComposeEnvironment(dirname(STANDALONE_COMPOSE_FILE), 'compose.yaml')
      .withProjectName(project)
      .withEnvironment({ TLSLAB_HOME_NET: '10.89.246', TLSLAB_INTERNET_NET: '10.89.247' })
      .withWaitStrategy(`${project}-ready-1`, Wait.forOneShotStartup())
      .withStartupTimeout(180_000)
      .up();
    try {
      const r = await env.getContainer(`${project}-installed-cert-1`).exec(['curl', '-sS', 'https://bank.example/', '-o', '/dev/null', '-w', '%{http_code}']);
      expect(r).toMatchObject({ exitCode: 0, output: '200' });
    } finally {
      await env.down({ timeout: 1_000, removeVolumes: true });
    }
  });
});
