/**
 * A subscriber at a glance, for the console's cards: does it hold the state root, and what
 * else stands between it and the box (a browser's block list, pins, CT, a tunnel). The
 * scenario says it; this only words it for a projector.
 */
import type { ClientSpec } from '../scenario/schema/client.ts';

export interface SubscriberView {
  name: string;
  description: string | null;
  /** curl, openssl, chromium, scripted, or `own program`. */
  program: string;
  /** It installed the state root, as the 2019 SMS asked. */
  trustsState: boolean;
  /** The trust badge: `has state root` / `no state root`. */
  trust: string;
  /** Each further defence in a few words: `Chromium 2019 block list`, `pins bank.example`. */
  defences: string[];
}

export function subscriberView(c: ClientSpec): SubscriberView {
  const d = c.defences ?? {};
  const defences = [
    d.blockedRoots ? `${blocklistLabel(d.blockedRoots)} block list` : null,
    ...Object.entries(d.pins ?? {}).map(([site, kind]) => `pins ${site}${kind === 'issuing-ca' ? "'s CA" : ''}`),
    d.certificateTransparency ? (d.certificateTransparency === 'every-chain' ? 'demands CT on every chain' : 'demands CT (Chromium)') : null,
    d.detectInterception ? `interception detector (${d.detectInterception})` : null,
    d.frontDomain ? `fronts via ${d.frontDomain}` : null,
    d.tunnel ? `tunnel to ${d.tunnel}` : null,
    c.clickThrough ? 'clicks through warnings' : null,
  ].filter((x): x is string => x !== null);
  const trustsState = c.trusts.includes('state');
  return {
    name: c.name,
    description: c.description ?? null,
    program: typeof c.program === 'string' ? c.program : 'own program',
    trustsState,
    trust: trustsState ? 'has state root' : 'no state root',
    defences,
  };
}

/** `chrome-2019` → `Chrome 2019`. */
function blocklistLabel(name: string): string {
  const [browser = name, year] = name.split('-');
  return `${browser.charAt(0).toUpperCase()}${browser.slice(1)}${year ? ` ${year}` : ''}`;
}
