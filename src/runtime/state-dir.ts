import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { holdFolder, releaseFolder } from './leftovers.ts';

/** Where labs keep their keys and artefacts unless told otherwise (TLSLAB_STATE_DIR overrides). */
function defaultStateRoot(): string {
  return resolve(process.env.TLSLAB_STATE_DIR ?? join(process.cwd(), '.tlslab'));
}

/**
 * A fresh folder, 0700, for one lab: its keys never outlive it unless asked to. The path is
 * absolute, so it means the same to a compose file's bind mount as to this process.
 */
export async function createLabStateDir(scenario: string, root = defaultStateRoot(), opts: { keep?: boolean } = {}): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const dir = join(resolve(root), 'labs', `${scenario}-${stamp}-${randomBytes(3).toString('hex')}`);
  // Held before it exists: a process that exits while the keys are being written still removes them.
  if (!opts.keep) holdFolder(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export async function removeLabStateDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  releaseFolder(dir);
}
