/**
 * `npm run bench`: speed targets live here, never in timed tests (DEVELOPERS.md).
 * Prints a Markdown section for docs/benchmarks.md.
 *
 * 1. Wall time of the main job: `tlslab run kz-2019` as a user runs it (new process each time).
 * 2. First HTTPS request to a never-seen targeted host (upstream probe + forging + proxy
 *    set-up) against a request to the same host once its forged certificate is cached.
 * 3. Forging one leaf with a warm key pool (node-forge builds, node's crypto signs).
 * 4. Start-up: `tlslab --help` and `tlslab list` as new processes (targets 0.3 s and 0.5 s), from
 *    the built JavaScript when `npm run build` is current (the bench says which ran).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { directTransport, fetchOnce } from '../../src/clients/http-client.ts';
import { LocalLab } from '../../src/runtime/local/local-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { pemToDer } from '../../src/pki/certificate.ts';
import { readFile } from 'node:fs/promises';
import { at } from '../support/at.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TLSLAB = join(import.meta.dirname, '..', '..', 'src', 'cli', 'tlslab.mjs');

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => at(s, Math.min(s.length - 1, Math.floor(p * s.length)), 'sample');
  return { n: s.length, median: q(0.5), p95: q(0.95), min: at(s, 0, 'sample'), max: at(s, s.length - 1, 'sample') };
}
const fmt = (x: ReturnType<typeof stats>) =>
  `median ${x.median.toFixed(1)} ms, p95 ${x.p95.toFixed(1)} ms, min ${x.min.toFixed(1)}, max ${x.max.toFixed(1)} (n=${x.n})`;

function mainJob(): number[] {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    execFileSync('node', [TLSLAB, 'run', 'kz-2019'], { stdio: 'ignore' });
    times.push(performance.now() - t);
  }
  return times;
}

function startUp(args: string[]): number[] {
  const times: number[] = [];
  execFileSync('node', [TLSLAB, ...args], { stdio: 'ignore' }); // warm the file cache
  for (let i = 0; i < Math.max(ROUNDS, 7); i++) {
    const t = performance.now();
    execFileSync('node', [TLSLAB, ...args], { stdio: 'ignore' });
    times.push(performance.now() - t);
  }
  return times;
}

/** Whether tlslab runs the built JavaScript: start.mjs's own rule (dist/.built newer than every source). */
function runsBuilt(): boolean {
  const root = join(import.meta.dirname, '..', '..');
  const mtime = (f: string) => {
    try {
      return statSync(f).mtimeMs;
    } catch {
      return 0;
    }
  };
  const built = mtime(join(root, 'dist', '.built'));
  if (!built) return false;
  for (const top of ['src', 'lab']) {
    for (const e of readdirSync(join(root, top), { recursive: true, withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.ts') && mtime(join(e.parentPath, e.name)) > built) return false;
    }
  }
  return true;
}

async function firstVersusCached(): Promise<{ first: number[]; cached: number[]; forge: number[] }> {
  const scenario = await resolveScenario('kz-2019');
  const first: number[] = [];
  const cached: number[] = [];
  const forge: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const lab = await LocalLab.start(scenario);
    try {
      const d = lab.describe();
      const trust = [await readFile(d.trust.webRoot, 'utf8'), await readFile(d.trust.stateRoot, 'utf8')];
      const routes = new Map(d.hosts.filter((h) => h.routes).map((h) => [h.name, h.routes!]));
      const transport = directTransport({ resolve: (n: string, s: 'https' | 'http') => routes.get(n)?.[s] ?? null, names: [...routes.keys()] }, trust);
      const url = new URL('https://mail.example/');
      // Let the key pool fill as it does while a teacher talks; then the first request is cold
      // for everything else: the device's upstream look, the forging, the proxy for that host.
      await new Promise((r) => setTimeout(r, 1500));
      let t = performance.now();
      const r1 = await fetchOnce(transport, url);
      first.push(performance.now() - t);
      if (r1.response?.status !== 200) throw new Error(`first request failed: ${JSON.stringify(r1.attempt)}`);
      for (let j = 0; j < 20; j++) {
        t = performance.now();
        const r = await fetchOnce(transport, url);
        cached.push(performance.now() - t);
        if (r.response?.status !== 200) throw new Error('cached request failed');
      }
      // Forging alone, with a warm pool: a certificate the lab has not forged before.
      const pki = (lab as unknown as { pki: import('../../src/pki/lab-pki.ts').LabPki }).pki;
      await pki.warm();
      const real = pemToDer(pki.site('news.example').certChainPem);
      t = performance.now();
      await pki.forge(real);
      forge.push(performance.now() - t);
    } finally {
      await lab.stop();
    }
  }
  return { first, cached, forge };
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const built = runsBuilt();
const help = stats(startUp(['--help']));
const list = stats(startUp(['list']));
const main = stats(mainJob());
const { first, cached, forge } = await firstVersusCached();
process.stdout.write(
  [
    `### ${new Date().toISOString().slice(0, 10)} — ${cpus().length} × ${cpu}, Node ${process.version}`,
    '',
    `Command: \`npm run bench\` (BENCH_ROUNDS=${ROUNDS})`,
    '',
    `- Main job, \`tlslab run kz-2019\` wall time (process start to exit): ${fmt(main)}`,
    `- First request to a never-seen targeted host (mail.example): ${fmt(stats(first))}`,
    `- Request to the same host, forged certificate cached: ${fmt(stats(cached))}`,
    `- Forging one leaf with a warm key pool: ${fmt(stats(forge))}`,
    `- \`tlslab --help\` start to exit (${built ? 'built JavaScript' : 'TypeScript through tsx: dist/ is stale or missing'}): ${fmt(help)}`,
    `- \`tlslab list\` start to exit: ${fmt(list)}`,
    '',
  ].join('\n'),
);
