/**
 * The names the lab may give its hosts, declared once: every scenario's names, the state CA's
 * name constraints and the checks that keep a scenario inside the lab all derive from these.
 * RFC 2606 and RFC 6761 reserve all three; none resolves on the real internet.
 */

/** The lab's own names: a name-constrained state CA can vouch for nothing else (a leaked lab key cannot impersonate a real site). */
export const LAB_DNS_SUFFIXES = ['example', 'test'] as const;

/** The lab's stand-in for a site outside its names (`outside.invalid`): the state CA's name constraints exclude it. */
export const OUTSIDE_DNS_SUFFIX = 'invalid';

/** One DNS label (RFC 1035 2.3.1, lower case). */
const DNS_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

/** A name of one or more labels under one of `suffixes`. */
export function namesUnder(suffixes: readonly string[]): RegExp {
  return new RegExp(`^(?:${DNS_LABEL}\\.)+(?:${suffixes.join('|')})$`);
}
