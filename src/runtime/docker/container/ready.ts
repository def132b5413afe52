import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STATE_MOUNT } from '../compose-file.ts';

/** Where containers say they are serving; tlslab on the host waits for every service's file. */
export const READY_DIR = 'ready';

export async function markReady(service: string): Promise<void> {
  await mkdir(join(STATE_MOUNT, READY_DIR), { recursive: true });
  await writeFile(join(STATE_MOUNT, READY_DIR, service), new Date().toISOString());
  console.log(JSON.stringify({ event: 'ready', service }));
}
