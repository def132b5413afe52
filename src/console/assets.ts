/**
 * The page's files, served from the package itself (no CDN: the console works offline):
 * the page from src/console/page/, xterm.js and its fit addon from node_modules as the
 * ES modules they ship, read once at start.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectPath } from '../project-root.ts';

interface Asset {
  type: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);
const pageDir = projectPath('src', 'console', 'page');
// Neither package declares `exports`, so `main` resolves (lib/xterm.js); the ES module sits beside it.
const xtermLib = dirname(require.resolve('@xterm/xterm'));
const fitLib = dirname(require.resolve('@xterm/addon-fit'));

const FILES: Record<string, [string, string]> = {
  '/': [join(pageDir, 'index.html'), 'text/html; charset=utf-8'],
  '/console.js': [join(pageDir, 'console.js'), 'text/javascript; charset=utf-8'],
  '/console.css': [join(pageDir, 'console.css'), 'text/css; charset=utf-8'],
  '/vendor/xterm.mjs': [join(xtermLib, 'xterm.mjs'), 'text/javascript; charset=utf-8'],
  '/vendor/xterm.css': [join(xtermLib, '..', 'css', 'xterm.css'), 'text/css; charset=utf-8'],
  '/vendor/addon-fit.mjs': [join(fitLib, 'addon-fit.mjs'), 'text/javascript; charset=utf-8'],
};

export async function loadAssets(): Promise<Map<string, Asset>> {
  const entries = await Promise.all(Object.entries(FILES).map(async ([path, [file, type]]) => [path, { type, body: await readFile(file) }] as const));
  return new Map(entries);
}
