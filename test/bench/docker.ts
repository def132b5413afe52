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
import { at } from '../support/at.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROOT = join(import.meta.dirname, '..', '..');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const time = (f: () => void) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const median = (xs: number[]) =>
  at(
    [...xs].sort((a, b) => a - b),
    Math.floor(xs.length / 2),
    'sample',
  );

const build = () => execFileSync('bash', ['docker/build-images.sh'], { cwd: ROOT, stdio: 'ignore' });
let fresh: number | null = null;
if (process.env.BENCH_DOCKER_FRESH === '1') {
  execFileSync('sh', ['-c', 'docker rmi -f tlslab/lab tlslab/base >/dev/null 2>&1; rm -rf /var/cache/tlslab/rootfs-*']);
  fresh = time(build);
}
const cached = [time(build), time(build)];

const scenario = await resolveScenario('kz-2019');
// The issue's targets were set for 19 containers (9 clients, the isp, 9 sites); kz-2019 now also
// has its 3 routers (interceptor.location). Both are measured, alternated.
const flat = { ...scenario, interceptor: { ...scenario.interceptor, location: { routersBefore: 0, routersAfter: 0 } } };
const routers = scenario.interceptor.location.routersBefore + scenario.interceptor.location.routersAfter;
const up: number[] = [];
const down: number[] = [];
const flatUp: number[] = [];
const flatDown: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  for (const [s, ups, downs] of [
    [scenario, up, down],
    [flat, flatUp, flatDown],
  ] as const) {
    let t = performance.now();
    const lab = await DockerLab.start(s);
    ups.push(performance.now() - t);
    t = performance.now();
    await lab.stop();
    downs.push(performance.now() - t);
  }
}
// `tlslab run` in each runtime, alternated (docker, local, docker, local …) so that a drift in the
// machine's speed moves both; the ratio is taken pair by pair.
// A run that fails says why: its last lines (the unmet expectations) before the bench stops.
const runOf = (runtime: string) =>
  time(() => {
    try {
      execFileSync('node', ['src/cli/tlslab.mjs', 'run', 'kz-2019', '--runtime', runtime], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; status?: number };
      const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trimEnd().split('\n').slice(-40).join('\n');
      throw new Error(`tlslab run kz-2019 --runtime ${runtime} exited ${e.status}:\n${tail}`, { cause: err });
    }
  });
const run: number[] = [];
const local: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  run.push(runOf('docker'));
  local.push(runOf('local'));
  ratios.push(at(run, i, 'docker run') / at(local, i, 'local run'));
}
const sizeMb = (image: string) => Number(execFileSync('docker', ['image', 'inspect', '-f', '{{.Size}}', image], { encoding: 'utf8' })) / 1e6;
const lab = sizeMb('tlslab/lab');
const browser = sizeMb('tlslab/browser');
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

console.log(`## Docker runtime (${new Date().toISOString().slice(0, 10)})

Machine: ${cpus().length} × ${at(cpus(), 0, 'CPU').model}, Node ${process.version}. Command: \`npm run bench:docker\`${fresh !== null ? ' with BENCH_DOCKER_FRESH=1' : ''}, ${ROUNDS} rounds.

| what | result | target |
|---|---|---|
${fresh !== null ? `| image build from nothing (debootstrap, Chromium, import, app layers) | ${seconds(fresh)} | |\n` : ''}| image build, bases cached (a code change) | ${cached.map(seconds).join(', ')} | |
| tlslab/lab (every host but the browsing subscribers) | ${lab.toFixed(0)} MB | ≤ 300 MB: ${verdict(lab <= 300)} |
| tlslab/browser (the same plus Chromium) | ${browser.toFixed(0)} MB | |
| kz-2019 lab without its routers: start to every container serving (${scenario.clients.length} clients + isp + ${scenario.sites.length} sites) | median ${seconds(median(flatUp))} (${flatUp.map(seconds).join(', ')}) | ≤ 8 s: ${verdict(median(flatUp) <= 8000)} |
| its stop (every container and network removed, host rule out) | median ${seconds(median(flatDown))} (${flatDown.map(seconds).join(', ')}) | ≤ 2 s: ${verdict(median(flatDown) <= 2000)} |
| kz-2019 lab as shipped (the same + ${routers} routers), alternated with it: start | median ${seconds(median(up))} (${up.map(seconds).join(', ')}) | |
| its stop | median ${seconds(median(down))} (${down.map(seconds).join(', ')}) | |
| \`tlslab run kz-2019 --runtime docker\` (new process, all ${scenario.clients.length} clients) | median ${seconds(median(run))} (${run.map(seconds).join(', ')}) | |
| \`tlslab run kz-2019\` (local), alternated with it | median ${seconds(median(local))} (${local.map(seconds).join(', ')}) | |
| docker / local, pair by pair | median ${median(ratios).toFixed(2)}× (${ratios.map((r) => r.toFixed(2)).join(', ')}) | ≤ 1.3×: ${verdict(median(ratios) <= 1.3)} |
`);
