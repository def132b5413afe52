import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Where labs keep their keys and artefacts unless told otherwise (TLSLAB_STATE_DIR overrides). */
export function defaultStateRoot(): string {
  return resolve(process.env.TLSLAB_STATE_DIR ?? join(process.cwd(), '.tlslab'));
}

/**
 * A fresh folder, 0700, for one lab: its keys never outlive it unless asked to. The path is
 * absolute, so it means the same to a compose file's bind mount as to this process.
 */
export async function createLabStateDir(scenario: string, root = defaultStateRoot()): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const dir = join(resolve(root), 'labs', `${scenario}-${stamp}-${randomBytes(3).toString('hex')}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export async function removeLabStateDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
