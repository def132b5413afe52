import type { Lab } from '../runtime/lab.ts';
import { isShuttingDown, onShutdown } from './shutdown.ts';

/**
 * Run `work` on a lab that is starting, and stop the lab afterwards, however `work` ends. Ctrl-C
 * at any moment (the lab still starting included) stops it through the shutdown (shutdown.ts);
 * then this never returns, and the shutdown exits once the lab is stopped.
 */
export async function withLab<T>(starting: Promise<Lab>, work: (lab: Lab) => Promise<T>): Promise<T> {
  const forget = onShutdown(async () => (await starting.catch(() => null))?.stop());
  const lab = await starting;
  try {
    return await work(lab);
  } catch (err) {
    if (isShuttingDown()) return new Promise<never>(() => undefined);
    throw err;
  } finally {
    if (!isShuttingDown()) {
      await lab.stop();
      forget();
    }
  }
}
