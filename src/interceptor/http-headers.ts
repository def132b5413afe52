/** What the box does to the headers it relays, and the name a request was for. */
import type { Flow } from './flow.ts';

/**
 * A message's raw headers (name, value, name, value…) without the hop-by-hop ones: Connection,
 * Keep-Alive, Proxy-Connection and whatever Connection names (RFC 9110 7.6.1), and any name
 * `drop` matches. Transfer-Encoding and Upgrade stay: they describe the message itself here.
 * So a client's `Connection: close` ends the client's connection, not the box's pooled one to
 * the origin.
 */
export function passedHeaders(raw: string[], drop?: RegExp): string[] {
  const named = new Set(['connection', 'keep-alive', 'proxy-connection']);
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') for (const n of raw[i + 1]!.split(',')) named.add(n.trim().toLowerCase());
  }
  named.delete('transfer-encoding');
  named.delete('upgrade');
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (named.has(name.toLowerCase()) || drop?.test(name)) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  return header.replace(/:\d+$/, '').toLowerCase() || null;
}

/** The name a request without a Host header was for: the transparent box knows where it was going. */
export function defaultHost(flow: Flow): string {
  return flow.sni ?? flow.destinationName ?? flow.destination.address;
}
