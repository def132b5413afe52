/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) of what the interceptor read,
 * shaped as Chrome DevTools writes it (WebSocket frames in `_webSocketMessages`,
 * `_resourceType: "websocket"`) so DevTools' Network panel imports it.
 */
import { cookiePairs, setCookieOf } from '../../cookies.ts';
import type { Exchange } from './exchange.ts';

const BODY_LIMIT = 1 << 20;

export function toHar(exchanges: Exchange[], creator: { name: string; version: string }) {
  return {
    log: {
      version: '1.2',
      creator,
      pages: [],
      entries: exchanges.map(entry),
    },
  };
}

function entry(x: Exchange) {
  const url = new URL(x.url);
  const reqType = header(x.requestHeaders, 'content-type');
  const resType = header(x.responseHeaders, 'content-type') ?? 'application/octet-stream';
  const location = header(x.responseHeaders, 'location') ?? '';
  const body = x.responseBody.subarray(0, BODY_LIMIT);
  const textual = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded))/i.test(resType);
  const e: Record<string, unknown> = {
    startedDateTime: x.startedAt,
    time: x.waitMs + x.receiveMs,
    request: {
      method: x.method,
      url: x.url,
      httpVersion: `HTTP/${x.httpVersion}`,
      cookies: cookiePairs(header(x.requestHeaders, 'cookie'), { asSent: true }).map(([name, value]) => ({ name, value })),
      headers: x.requestHeaders.map(([name, value]) => ({ name, value })),
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      ...(x.requestBody.length > 0 ? { postData: { mimeType: reqType ?? 'application/octet-stream', text: x.requestBody.toString('utf8') } } : {}),
      headersSize: -1,
      bodySize: x.requestBody.length,
    },
    response: {
      status: x.status,
      statusText: x.statusText,
      httpVersion: `HTTP/${x.httpVersion}`,
      cookies: x.responseHeaders.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => setCookieOf(v)),
      headers: x.responseHeaders.map(([name, value]) => ({ name, value })),
      content: {
        size: x.responseBody.length,
        mimeType: resType,
        ...(textual ? { text: body.toString('utf8') } : { text: body.toString('base64'), encoding: 'base64' }),
      },
      redirectURL: location,
      headersSize: -1,
      bodySize: x.responseBody.length,
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: x.waitMs, receive: x.receiveMs },
    serverIPAddress: x.serverAddress,
    connection: x.flow,
    _client: x.line,
  };
  if (x.webSocketMessages) {
    e._resourceType = 'websocket';
    e._webSocketMessages = x.webSocketMessages;
  }
  return e;
}

function header(pairs: Array<[string, string]>, name: string): string | undefined {
  return pairs.find(([n]) => n.toLowerCase() === name)?.[1];
}
