/**
 * The docker tests need the engine, docker-compose and the lab's image (docker/build-images.sh).
 * Without them they are skipped with a printed reason; on CI (CI=true) that is a failure instead.
 */
import { execFileSync } from 'node:child_process';

function whyDockerIsMissing(): string | null {
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
  if (!ok('docker', ['image', 'inspect', 'tlslab/browser'])) return "the browsing subscribers' image tlslab/browser is not built (npm run docker:build)";
  return null;
}

export const onCi = process.env.CI === 'true';

/**
 * Compose v2 (the `docker compose` plugin) is not in Debian 12, which has only v1; its tests run
 * wherever it is installed, and say why they do not elsewhere (CI included: there is no v2 to test).
 */
export function whyComposeV2IsMissing(): string | null {
  try {
    const v = execFileSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim();
    return v.startsWith('1.') || v.startsWith('v1.') ? `\`docker compose\` is compose ${v}, not v2` : null;
  } catch {
    return 'compose v2 (the `docker compose` plugin) is not installed on this machine (Debian 12 packages only compose v1)';
  }
}
export const dockerMissing = whyDockerIsMissing();
if (dockerMissing && !onCi) console.warn(`[test/docker] skipping the docker tests: ${dockerMissing}`);
