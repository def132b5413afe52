import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from '../../src/clients/chromium/chromium-client.ts';

/** Why the real-browser tests cannot run here, or null when Debian's Chromium and certutil are installed. */
export function whyChromiumIsMissing(): string | null {
  if (!existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} not found (apt-get install chromium libnss3-tools)`;
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'certutil not found (apt-get install libnss3-tools)';
  }
  return null;
}
