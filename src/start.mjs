/**
 * How each entry point (`tlslab`, a runtime's machines) runs: the JavaScript `npm run
 * build` made in dist/, when it was made from the sources as they are now; otherwise the
 * TypeScript itself through tsx, so that in development an edit takes effect without a build
 * and a stale build never runs. The check is one stat of each source file (a few milliseconds).
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Written by `npm run build` once tsc has emitted everything without an error. */
const BUILT = join(ROOT, 'dist', '.built');

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function newestSource() {
  let newest = 0;
  for (const top of ['src', 'lab']) {
    for (const entry of readdirSync(join(ROOT, top), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, mtime(join(entry.parentPath, entry.name)));
    }
  }
  return newest;
}

/** Run one TypeScript entry module, given from the project root (e.g. 'src/cli/main.ts'). */
export async function start(entry) {
  const built = mtime(BUILT);
  if (built > 0 && built >= newestSource()) return import(pathToFileURL(join(ROOT, 'dist', entry.replace(/\.ts$/, '.js'))).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(ROOT, entry)).href);
}
