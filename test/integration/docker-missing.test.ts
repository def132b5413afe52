/** Without Docker, `--runtime docker` says in one sentence what to install, and leaves nothing behind. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('tlslab --runtime docker on a machine without Docker', () => {
  it('prints one sentence naming the packages, exits 3 (the lab could not start, not a failed expectation), and makes no state folder', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tlslab-nodocker-'));
    const noDocker = mkdtempSync(join(tmpdir(), 'tlslab-path-'));
    const r = spawnSync(process.execPath, ['src/cli/tlslab.mjs', 'run', 'kz-2019', '--runtime', 'docker', '--state-dir', stateDir], {
      encoding: 'utf8',
      // A PATH with nothing on it but an empty folder: node is run by its full path.
      env: { ...process.env, PATH: noDocker, TLSLAB_DEBUG: '' },
      timeout: 30_000,
    });
    expect(r.status).toBe(3);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('Starting the'));
    expect(lines).toEqual([
      'tlslab: The docker runtime needs Docker, which is not installed: apt-get install docker.io docker-compose, then start dockerd. [TLSLAB_DOCKER_MISSING]',
    ]);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('--runtime accepts only local or docker', () => {
    const r = spawnSync(process.execPath, ['src/cli/tlslab.mjs', 'run', 'kz-2019', '--runtime', 'podman'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("argument 'podman' is invalid. Allowed choices are local, docker.");
  });
});
