import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cookiePairs } from '../../src/cookies.ts';
import type { SafeHtml } from './html.ts';

/**
 * Request and response helpers for the simulated sites, on plain node:http (no web
 * framework, so what the interceptor reads is exactly what these lines write).
 */

/** An error that becomes an HTTP status instead of a 500. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Body size limit for forms and JSON; the sites only take small logins and messages. */
const MAX_BODY_BYTES = 64 * 1024;

/** Method and parsed URL of a request; HEAD is routed like GET (node drops the body). */
export function route(req: IncomingMessage): { method: string; url: URL } {
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  return { method, url: requestTarget(req.url ?? '/') };
}

/**
 * Path and query of a request target. Prefixing (rather than `new URL(target, base)`)
 * keeps `//host/path` a path, as the server sees it; absolute-form targets
 * (RFC 9112 section 3.2.2) are parsed as URLs; anything unparsable routes to 404.
 */
function requestTarget(target: string): URL {
  try {
    return target.startsWith('/') ? new URL(`http://site${target}`) : new URL(target);
  } catch {
    return new URL('http://site/.invalid-request-target');
  }
}

/** Adapts an async handler: known HttpErrors become their status, anything else a 500. */
export function asyncHandler(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handler(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : 'Internal Server Error';
      if (res.headersSent) res.destroy();
      else sendText(res, status, `${message}\n`);
    });
  };
}

export function sendHtml(res: ServerResponse, status: number, body: SafeHtml, headers: Record<string, string | string[]> = {}): void {
  send(res, status, 'text/html; charset=utf-8', body.value, headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
  send(res, status, 'text/plain; charset=utf-8', body, headers);
}

export function sendFile(res: ServerResponse, contentType: string, fileName: string, body: Buffer | string): void {
  res.writeHead(200, {
    'Content-Type': contentType,
    'Content-Disposition': `attachment; filename="${fileName}"`,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}, status = 302): void {
  res.writeHead(status, { Location: location, 'Content-Length': 0, ...headers });
  res.end();
}

export function notFound(res: ServerResponse): void {
  sendText(res, 404, 'Not Found\n');
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string | string[]>): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'Payload Too Large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** application/x-www-form-urlencoded, as an HTML form posts it. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(req));
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON');
  }
}

/** Cookie header (RFC 6265 section 5.4) to name → value; the first of duplicate names wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  return new Map(cookiePairs(header));
}

/** Unguessable token for sessions and API tokens (128 bits by default). */
export function randomHex(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}
