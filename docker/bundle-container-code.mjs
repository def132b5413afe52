/**
 * `npm run build`, second half: the code every container of the docker lab runs, bundled by
 * esbuild into dist/container/ (main.js and a chunk per role's own modules, loaded as its role
 * needs them). One file for what a role loads instead of a few hundred: a site's container was
 * ready in 300 ms of CPU from tsc's output, 120–140 ms from the bundle (docs/benchmarks.md), and a
 * lab starts 20-odd of them at once on a machine whose cores are its limit.
 *
 * Outside the bundle, from the image's node_modules: playwright-core (Chromium's driver, with
 * files it reads beside itself) and ws's optional native helpers.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXTERNAL = ['playwright-core', 'bufferutil', 'utf-8-validate'];

await build({
  absWorkingDir: ROOT,
  entryPoints: ['src/runtime/docker/container/main.ts'],
  outdir: 'dist/container',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // The bundled CommonJS packages (node-forge, http-mitm-proxy …) call require() for node's own modules.
  banner: { js: "import { createRequire as __tlslabRequire } from 'node:module'; const require = __tlslabRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
