/**
 * The docker tests need the engine, docker-compose and the lab's image (docker/build-images.sh).
 * Without them they are skipped with a printed reason; on CI (CI=true) that is a failure instead.
 */
import { execFileSync } from 'node:child_process';

export function whyDockerIsMissing(): string | null {
  const ok = (cmd: string, args: string[]) => {
    try {
      execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
      return true;
    } catch {
      return false;
    }
  };
  if (!ok('docker', ['info'])) return 'the Docker engine is not available (apt-get install docker.io docker-compose; start dockerd)';
  if (!ok('docker-compose', ['version'])) return 'docker-compose is not installed (apt-get install docker-compose)';
  if (!ok('docker', ['image', 'inspect', 'tlslab/lab'])) return 'the lab image tlslab/lab is not built (npm run docker:build)';
  return null;
}

export const onCi = process.env.CI === 'true';
export const dockerMissing = whyDockerIsMissing();
if (dockerMissing && !onCi) console.warn(`[test/docker] skipping the docker tests: ${dockerMissing}`);
