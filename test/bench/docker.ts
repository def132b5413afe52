/**
 * `npm run bench:docker`: the docker runtime's costs (closing note of issue 5), as Markdown for
 * docs/benchmarks.md.
 *
 * 1. Image build: `docker/build-images.sh` with the base cached (what a code change costs) and,
 *    with BENCH_DOCKER_FRESH=1, from nothing (debootstrap + Chromium + import + app layer).
 * 2. Lab up to ready: DockerLab.start for kz-2019 (keys, compose up, every container serving),
 *    and stop (compose down).
 * 3. `tlslab run kz-2019 --runtime docker`, wall time of a new process.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DockerLab } from '../../src/runtime/docker/docker-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROOT = join(import.meta.dirname, '..', '..');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const time = (f: () => void) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const build = () => execFileSync('bash', ['docker/build-images.sh'], { cwd: ROOT, stdio: 'ignore' });
let fresh: number | null = null;
if (process.env.BENCH_DOCKER_FRESH === '1') {
  execFileSync('sh', ['-c', 'docker rmi -f tlslab/lab tlslab/base >/dev/null 2>&1; rm -rf /var/cache/tlslab/rootfs-*']);
  fresh = time(build);
}
const cached = [time(build), time(build)];

const scenario = await resolveScenario('kz-2019');
const up: number[] = [];
const down: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now();
  const lab = await DockerLab.start(scenario);
  up.push(performance.now() - t);
  t = performance.now();
  await lab.stop();
  down.push(performance.now() - t);
}
const run: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  run.push(time(() => execFileSync('node', ['src/cli/tlslab.mjs', 'run', 'kz-2019', '--runtime', 'docker'], { cwd: ROOT, stdio: 'ignore' })));
}

console.log(`## Docker runtime (${new Date().toISOString().slice(0, 10)})

Machine: ${cpus().length} × ${cpus()[0].model}, Node ${process.version}. Command: \`npm run bench:docker\`${fresh !== null ? ' with BENCH_DOCKER_FRESH=1' : ''}.

| what | result |
|---|---|
${fresh !== null ? `| image build from nothing (debootstrap, Chromium, import, app layer) | ${seconds(fresh)} |\n` : ''}| image build, base cached (a code change) | ${cached.map(seconds).join(', ')} |
| kz-2019 lab: start to every container serving (${scenario.clients.length} clients + isp + 9 sites) | median ${seconds(median(up))} (${up.map(seconds).join(', ')}) |
| stop (compose down) | median ${seconds(median(down))} |
| \`tlslab run kz-2019 --runtime docker\` (new process, all ${scenario.clients.length} clients) | median ${seconds(median(run))} (${run.map(seconds).join(', ')}) |
`);
