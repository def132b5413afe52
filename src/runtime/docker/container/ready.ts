import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { READY_DIR, STATE_MOUNT } from '../paths.ts';

export { READY_DIR };

export async function markReady(service: string): Promise<void> {
  await mkdir(join(STATE_MOUNT, READY_DIR), { recursive: true });
  await writeFile(join(STATE_MOUNT, READY_DIR, service), new Date().toISOString());
  console.log(JSON.stringify({ event: 'ready', service }));
}
