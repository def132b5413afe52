/**
 * The project's own folder (the one with its package.json), found from this file, so that data
 * beside the code (scenarios/, docker/, the console's page) is found the same way whether the
 * TypeScript runs (src/) or the built JavaScript (dist/src/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'tls-interception-lab') return dir;
    if (dirname(dir) === dir) throw new Error(`no tls-interception-lab package.json above ${from}`);
  }
}

const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the project, e.g. projectPath('scenarios', 'kz-2019.yaml'). */
export const projectPath = (...parts: string[]): string => join(PROJECT_ROOT, ...parts);
