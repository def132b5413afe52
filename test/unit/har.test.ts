import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/interceptor/exports/exchange.ts';
import { toHar } from '../../src/interceptor/exports/har.ts';

const CREATOR = { name: 'tlslab', version: '0.1.0' };

function exchange(over: Partial<Exchange> = {}): Exchange {
  return {
    flow: 'f1',
    line: 'installed-cert',
    startedAt: '2019-07-18T09:00:00.000Z',
    serverAddress: '10.77.0.10',
    method: 'GET',
    url: 'https://bank.example/',
    httpVersion: '1.1',
    requestHeaders: [['Host', 'bank.example']],
    requestBody: Buffer.alloc(0),
    status: 200,
    statusText: 'OK',
    responseHeaders: [['Content-Type', 'text/html; charset=utf-8']],
    responseBody: Buffer.from('<h1>Bank</h1>'),
    waitMs: 12,
    receiveMs: 3,
    ...over,
  };
}

/** The one entry of a HAR made from one exchange, loosely typed for assertions. */
function entryOf(x: Exchange): any {
  const har = toHar([x], CREATOR);
  expect(har.log.entries).toHaveLength(1);
  return har.log.entries[0];
}

describe('toHar', () => {
  it('writes a HAR 1.2 log with its creator and one entry per exchange', () => {
    const har = toHar([exchange(), exchange({ url: 'https://mail.example/' })], CREATOR);
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator).toEqual(CREATOR);
    expect(har.log.entries).toHaveLength(2);
    expect(toHar([], CREATOR).log.entries).toEqual([]);
    // It survives a JSON round trip, as it must to be written to a .har file.
    expect(JSON.parse(JSON.stringify(har))).toEqual(har);
  });

  it('fills every field HAR 1.2 requires in an entry, request and response', () => {
    const e = entryOf(exchange());
    expect(e.startedDateTime).toBe('2019-07-18T09:00:00.000Z');
    expect(typeof e.time).toBe('number');
    expect(e.request).toMatchObject({
      method: 'GET',
      url: 'https://bank.example/',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [{ name: 'Host', value: 'bank.example' }],
      queryString: [],
      headersSize: -1,
      bodySize: 0,
    });
    expect(e.request.postData).toBeUndefined();
    expect(e.response).toMatchObject({
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
      content: { size: 13, mimeType: 'text/html; charset=utf-8', text: '<h1>Bank</h1>' },
      redirectURL: '',
      headersSize: -1,
      bodySize: 13,
    });
    expect(e.response.content.encoding).toBeUndefined();
    expect(e.cache).toEqual({});
  });

  it('gives send, wait and receive timings whose sum is the entry time', () => {
    const e = entryOf(exchange({ waitMs: 40, receiveMs: 7 }));
    for (const k of ['send', 'wait', 'receive'] as const) expect(typeof e.timings[k]).toBe('number');
    expect(e.timings.wait).toBe(40);
    expect(e.timings.receive).toBe(7);
    // HAR 1.2: time is the sum of all timings that are not -1.
    const sum = Object.values(e.timings as Record<string, number>)
      .filter((v) => v !== -1)
      .reduce((a, b) => a + b, 0);
    expect(e.time).toBe(sum);
    expect(e.time).toBe(47);
  });

  it('shows a POST body as postData with its MIME type', () => {
    const form = 'username=alice&password=s3cret';
    const e = entryOf(
      exchange({
        method: 'POST',
        url: 'https://bank.example/login',
        requestHeaders: [
          ['Host', 'bank.example'],
          ['Content-Type', 'application/x-www-form-urlencoded'],
        ],
        requestBody: Buffer.from(form),
      }),
    );
    expect(e.request.method).toBe('POST');
    expect(e.request.postData).toEqual({ mimeType: 'application/x-www-form-urlencoded', text: form });
    expect(e.request.bodySize).toBe(form.length);
  });

  it('parses the query string', () => {
    const e = entryOf(exchange({ url: 'https://search.example/search?q=qaznet&lang=kk&page=2' }));
    expect(e.request.queryString).toEqual([
      { name: 'q', value: 'qaznet' },
      { name: 'lang', value: 'kk' },
      { name: 'page', value: '2' },
    ]);
  });

  it('parses the request Cookie header into cookies', () => {
    const e = entryOf(
      exchange({
        requestHeaders: [
          ['Host', 'bank.example'],
          ['cookie', 'sid=abc123; theme=dark'],
        ],
      }),
    );
    expect(e.request.cookies).toEqual([
      { name: 'sid', value: 'abc123' },
      { name: 'theme', value: 'dark' },
    ]);
  });

  it('parses each Set-Cookie, with path, httpOnly and secure', () => {
    const e = entryOf(
      exchange({
        status: 302,
        statusText: 'Found',
        responseHeaders: [
          ['Location', 'https://bank.example/account'],
          ['Set-Cookie', 'sid=abc123; Path=/; HttpOnly; Secure'],
          ['set-cookie', 'lang=kk; Path=/app'],
        ],
        responseBody: Buffer.alloc(0),
      }),
    );
    expect(e.response.cookies).toEqual([
      { name: 'sid', value: 'abc123', path: '/', httpOnly: true, secure: true },
      { name: 'lang', value: 'kk', path: '/app', httpOnly: false, secure: false },
    ]);
    expect(e.response.redirectURL).toBe('https://bank.example/account');
    expect(e.response.status).toBe(302);
  });

  // RFC 6265 §5.2 ignores a cookie without "="; RFC 6265bis and browsers read it as an empty
  // name with value "flag". Either is fine; a garbled name is not.
  it('reads a Set-Cookie without "=" as browsers do, never garbled', () => {
    const e = entryOf(exchange({ responseHeaders: [['Set-Cookie', 'flag; Path=/']] }));
    for (const c of e.response.cookies) expect(c).toMatchObject({ name: '', value: 'flag' });
  });

  it('writes a binary response body as base64 with encoding, keeping its size', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const e = entryOf(exchange({ responseHeaders: [['Content-Type', 'image/png']], responseBody: png }));
    expect(e.response.content).toEqual({ size: png.length, mimeType: 'image/png', text: png.toString('base64'), encoding: 'base64' });
    expect(Buffer.from(e.response.content.text, 'base64').equals(png)).toBe(true);
  });

  it('writes a JSON response as plain text', () => {
    const e = entryOf(exchange({ responseHeaders: [['Content-Type', 'application/json']], responseBody: Buffer.from('{"balance":100}') }));
    expect(e.response.content.text).toBe('{"balance":100}');
    expect(e.response.content.encoding).toBeUndefined();
  });

  it('marks a WebSocket exchange as DevTools does, with its frames', () => {
    const messages = [
      { type: 'send' as const, time: 1563440400.1, opcode: 1 as const, data: 'hello' },
      { type: 'receive' as const, time: 1563440400.2, opcode: 1 as const, data: 'welcome' },
    ];
    const e = entryOf(
      exchange({
        url: 'https://chat.example/ws',
        status: 101,
        statusText: 'Switching Protocols',
        responseHeaders: [['Upgrade', 'websocket']],
        responseBody: Buffer.alloc(0),
        webSocketMessages: messages,
      }),
    );
    expect(e._resourceType).toBe('websocket');
    expect(e._webSocketMessages).toEqual(messages);
    expect(e.response.status).toBe(101);
  });

  it('does not mark a plain HTTP exchange as a WebSocket', () => {
    const e = entryOf(exchange());
    expect(e._resourceType).toBeUndefined();
    expect(e._webSocketMessages).toBeUndefined();
  });
});
