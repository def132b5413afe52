/**
 * Cookies as every part of the lab reads them, through the one library (jshttp's `cookie`,
 * RFC 6265 and 6265bis): the box's captures and HAR, and the sites' sessions.
 */
import { parseCookie, parseSetCookie } from 'cookie';

/** Values as they were sent: what the box read, not what a server would decode. */
const AS_SENT = { decode: (s: string) => s };

/** A Cookie request header's pairs, the first of duplicate names winning (RFC 6265 5.4). */
export function cookiePairs(header: string | undefined, opts: { asSent?: boolean } = {}): Array<[string, string]> {
  const parsed = parseCookie(header ?? '', opts.asSent ? AS_SENT : undefined);
  return Object.entries(parsed).flatMap(([name, value]) => (value === undefined ? [] : [[name, value] as [string, string]]));
}

/** One Set-Cookie header, as sent; a pair without "=" is a nameless cookie, as browsers read it (RFC 6265bis 5.6). */
export function setCookieOf(header: string): { name: string; value: string; path?: string; httpOnly: boolean; secure: boolean } {
  const c = parseSetCookie(header, AS_SENT);
  return { name: c.name, value: c.value ?? '', ...(c.path ? { path: c.path } : {}), httpOnly: !!c.httpOnly, secure: !!c.secure };
}
