import { defineConfig } from 'vitest/config';

/**
 * Two groups, one after the other. Creating Docker networks changes the host's interfaces, and a
 * Chromium on the host aborts page loads in flight with net::ERR_NETWORK_CHANGED when that
 * happens; so the docker tests run after every other test, one file at a time.
 */
const DOCKER_TESTS = [
  'test/docker/**/*.test.ts',
  'test/browser/console-docker.test.ts',
  // It adds interfaces on purpose, to show a load survives that: not beside other browser tests.
  'test/browser/network-changed.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'lab', include: ['test/**/*.test.ts'], exclude: DOCKER_TESTS, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'docker', include: DOCKER_TESTS, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
