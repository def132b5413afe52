/**
 * Compose v2 beside v1: TLSLAB_COMPOSE chooses one (a wrong value is one sentence), and where the
 * `docker compose` plugin is installed, a tlslab lab and a standalone file run under it with the
 * same container names tlslab prints (v2 names its own `p-isp-1`, v1 `p_isp_1`).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { DockerComposeEnvironment, Wait } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { composeCli } from '../../src/runtime/docker/compose-cli.ts';
import { DockerLab } from '../../src/runtime/docker/docker-lab.ts';
import { STANDALONE_COMPOSE_FILE } from '../../src/runtime/docker/standalone-compose.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { dockerMissing, whyComposeV2IsMissing } from './docker-available.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
const v2Missing = dockerMissing ?? whyComposeV2IsMissing();
if (v2Missing) console.warn(`[test/docker/compose-v2] skipping the compose v2 runs: ${v2Missing}`);

describe.skipIf(dockerMissing !== null)('which compose', () => {
  it('TLSLAB_COMPOSE=docker-compose is compose v1; a value that is neither is refused in one sentence', async () => {
    const v1 = await composeCli({ TLSLAB_COMPOSE: 'docker-compose' });
    expect(v1).toMatchObject({ command: 'docker-compose', major: 1, argv: ['docker-compose'] });
    await expect(composeCli({ TLSLAB_COMPOSE: 'podman-compose' })).rejects.toThrow(
      'TLSLAB_COMPOSE is "podman-compose": it may be "docker compose" (compose v2) or "docker-compose" (compose v1)',
    );
  });

  it('without TLSLAB_COMPOSE, v2 where it is installed, else v1', async () => {
    const cli = await composeCli({});
    expect(cli?.command).toBe(whyComposeV2IsMissing() ? 'docker-compose' : 'docker compose');
  });
});

describe.skipIf(v2Missing !== null)('under compose v2 (docker compose)', () => {
  it('a tlslab lab starts, intercepts and goes, its containers named as tlslab prints them', { timeout: 180_000 }, async () => {
    process.env.TLSLAB_COMPOSE = 'docker compose';
    const lab = await DockerLab.start(await resolveScenario('kz-2019'));
    try {
      const isp = lab.project.container('isp');
      expect(execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', isp], { encoding: 'utf8' }).trim()).toBe('true');
      const out = execFileSync(
        'docker',
        ['exec', lab.project.container('installed-cert'), 'curl', '-sS', 'https://bank.example/', '-o', '/dev/null', '-w', '%{certs}'],
        { encoding: 'utf8' },
      );
      expect(out).toContain('Issuer:C = KZ, CN = Security Certificate');
    } finally {
      await lab.stop();
      delete process.env.TLSLAB_COMPOSE;
    }
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${lab.project.name}`], { encoding: 'utf8' }).trim()).toBe('');
  });

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
