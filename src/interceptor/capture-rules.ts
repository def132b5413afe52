/**
 * Turn what the interceptor read into the report's capture kinds (docs/architecture.md, "The report": url, cookie,
 * credential, header, body, ws-message). Pure functions: unit-tested without sockets.
 */
import { setCookieOf } from '../cookies.ts';
import type { CaptureKind } from './events.ts';

export interface ReadRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface ReadResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface Captured {
  kind: CaptureKind;
  value: string;
}

const SECRET_FIELD = /^(pass(word)?|passwd|pwd|pin|otp|secret|token)$/i;
const IDENTITY_FIELD = /^(user(name)?|login|email|account)$/i;
/** Headers that identify or authorise a person, beyond cookies. */
const TELLING_HEADERS = ['authorization', 'x-api-key', 'x-auth-token', 'x-csrf-token'];
const BODY_LIMIT = 2048;

export function capturesFromRequest(req: ReadRequest): Captured[] {
  const out: Captured[] = [{ kind: 'url', value: `${req.method} ${req.url}` }];
  const cookie = header(req.headers, 'cookie');
  if (cookie) out.push({ kind: 'cookie', value: cookie });
  for (const name of TELLING_HEADERS) {
    const v = header(req.headers, name);
    if (!v) continue;
    if (name === 'authorization' && /^basic /i.test(v)) {
      out.push({ kind: 'credential', value: `basic ${Buffer.from(v.slice(6), 'base64').toString('utf8')}` });
    } else {
      out.push({ kind: 'header', value: `${name}: ${v}` });
    }
  }
  if (req.body.length > 0) {
    const fields = formFields(req.body, header(req.headers, 'content-type') ?? '');
    const secret = fields && fields.some(([k]) => SECRET_FIELD.test(k));
    if (fields && secret) {
      const shown = fields.filter(([k]) => SECRET_FIELD.test(k) || IDENTITY_FIELD.test(k));
      out.push({ kind: 'credential', value: shown.map(([k, v]) => `${k}=${v}`).join('&') });
    } else {
      out.push({ kind: 'body', value: truncate(req.body.toString('utf8')) });
    }
  }
  return out;
}

export function capturesFromResponse(res: ReadResponse): Captured[] {
  const set = res.headers['set-cookie'];
  const cookies = Array.isArray(set) ? set : set ? [set] : [];
  return cookies.map((c) => {
    const { name, value } = setCookieOf(c);
    return { kind: 'cookie' as const, value: `set-cookie: ${name ? `${name}=${value}` : value}` };
  });
}

/**
 * Data an app fetched (JSON: an inbox, a feed) is what a person reads, so the box keeps it;
 * whole HTML pages stay in the HAR only.
 */
export function captureFromResponseBody(res: ReadResponse, body: Buffer): Captured | null {
  const type = header(res.headers, 'content-type') ?? '';
  if (body.length === 0 || !/json/i.test(type)) return null;
  return { kind: 'body', value: `← ${truncate(body.toString('utf8'))}` };
}

export function captureFromWebSocket(direction: 'client' | 'server', data: Buffer | string): Captured {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  return { kind: 'ws-message', value: `${direction === 'client' ? '→' : '←'} ${truncate(text)}` };
}

/** Form or JSON fields, as [name, value] pairs; null when the body is neither. */
function formFields(body: Buffer, contentType: string): Array<[string, string]> | null {
  const text = body.toString('utf8');
  if (/application\/x-www-form-urlencoded/i.test(contentType)) return [...new URLSearchParams(text)];
  if (/json/i.test(contentType) || /^\s*\{/.test(text)) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
      }
    } catch {
      return null;
    }
  }
  return null;
}

function header(headers: ReadRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join('; ') : v;
}

function truncate(s: string): string {
  return s.length > BODY_LIMIT ? `${s.slice(0, BODY_LIMIT)}… (${s.length} chars)` : s;
}
