/**
 * The box's own answer when it cannot get one from the origin: the status a real gateway gives
 * (RFC 9110 15.6.3 502 Bad Gateway, 15.6.5 504 Gateway Timeout) and a short page that names the
 * site, never the box's internals (addresses, ports, stack traces).
 */
import type { ServerResponse } from 'node:http';

export type GatewayFailure = 'origin-unreachable' | 'origin-timeout' | 'origin-error';

const PAGES: Record<GatewayFailure, { status: 502 | 504; title: string; text: (site: string) => string }> = {
  'origin-unreachable': { status: 502, title: 'Bad Gateway', text: (site) => `${site} could not be reached.` },
  'origin-timeout': { status: 504, title: 'Gateway Timeout', text: (site) => `${site} did not answer in time.` },
  'origin-error': { status: 502, title: 'Bad Gateway', text: (site) => `${site} sent an answer that could not be passed on.` },
};

export function gatewayStatus(failure: GatewayFailure): 502 | 504 {
  return PAGES[failure].status;
}

/** Answer with the lab's gateway page; false when the response had already begun. */
export function sendGatewayPage(res: ServerResponse, failure: GatewayFailure, site: string): boolean {
  if (res.headersSent || res.destroyed) return false;
  const page = PAGES[failure];
  const body = `<!doctype html><title>${page.status} ${page.title}</title><h1>${page.status} ${page.title}</h1><p>${escapeHtml(page.text(site))}</p>\n`;
  res.writeHead(page.status, page.title, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
  return true;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
