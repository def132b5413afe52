import type { Endpoint } from '../interceptor/events.ts';

/**
 * How a client reaches a name: what the lab's DNS answers and which port stands for 443 or 80.
 * In the local runtime the answer is the ISP box's address on the route to that site.
 */
export interface ClientNetwork {
  /** null when the name does not resolve in the lab. */
  resolve(name: string, scheme: 'https' | 'http'): Endpoint | null;
  /** Every name the lab's DNS answers (the scenario's hosts); a browser is told where each one goes. */
  names: readonly string[];
  /** The client's own address, so the interceptor sees who it is. */
  localAddress?: string;
}
