import { describe, expect, it } from 'vitest';
import { captureFromWebSocket, capturesFromRequest, capturesFromResponse, type ReadRequest } from '../../src/interceptor/capture-rules.ts';
import { at } from '../support/at.ts';

function request(over: Partial<ReadRequest> = {}): ReadRequest {
  return { method: 'GET', url: 'https://bank.example/', headers: {}, body: Buffer.alloc(0), ...over };
}

const kinds = (cs: { kind: string }[]) => cs.map((c) => c.kind);
const valueOf = (cs: { kind: string; value: string }[], kind: string) => cs.filter((c) => c.kind === kind).map((c) => c.value);

describe('capturesFromRequest', () => {
  it('records the URL of every request, and only that for a bare GET', () => {
    const cs = capturesFromRequest(request({ url: 'https://news.example/today?lang=kk' }));
    expect(cs).toEqual([{ kind: 'url', value: 'GET https://news.example/today?lang=kk' }]);
  });

  it('reads a urlencoded login form as a credential, not as a body', () => {
    const cs = capturesFromRequest(
      request({
        method: 'POST',
        url: 'https://bank.example/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from('username=alice&password=s3cr%40t&remember=on&csrf=abc'),
      }),
    );
    expect(valueOf(cs, 'credential')).toEqual(['username=alice&password=s3cr@t']);
    expect(kinds(cs)).not.toContain('body');
    expect(valueOf(cs, 'url')).toEqual(['POST https://bank.example/login']);
  });

  it('reads a JSON login as a credential', () => {
    const cs = capturesFromRequest(
      request({
        method: 'POST',
        url: 'https://mail.example/api/session',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: Buffer.from(JSON.stringify({ email: 'alice@mail.example', pwd: 'hunter2', keep: true })),
      }),
    );
    expect(valueOf(cs, 'credential')).toEqual(['email=alice@mail.example&pwd=hunter2']);
    expect(kinds(cs)).not.toContain('body');
  });

  it('reads a chat POST without secret fields as a body, in full', () => {
    const text = JSON.stringify({ room: 'general', message: 'meet at 6' });
    const cs = capturesFromRequest(
      request({ method: 'POST', url: 'https://chat.example/send', headers: { 'content-type': 'application/json' }, body: Buffer.from(text) }),
    );
    expect(valueOf(cs, 'body')).toEqual([text]);
    expect(kinds(cs)).not.toContain('credential');
  });

  it('reads a urlencoded search form without secrets as a body', () => {
    const cs = capturesFromRequest(
      request({
        method: 'POST',
        url: 'https://search.example/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from('q=how+to+remove+the+state+certificate'),
      }),
    );
    expect(valueOf(cs, 'body')).toEqual(['q=how+to+remove+the+state+certificate']);
    expect(kinds(cs)).not.toContain('credential');
  });

  it('reads the Cookie header as a cookie', () => {
    const cs = capturesFromRequest(request({ headers: { cookie: 'sid=abc123; theme=dark' } }));
    expect(valueOf(cs, 'cookie')).toEqual(['sid=abc123; theme=dark']);
  });

  it('reads a Bearer Authorization as a header, token included', () => {
    const cs = capturesFromRequest(request({ headers: { authorization: 'Bearer eyJhbGciOi.token' } }));
    expect(valueOf(cs, 'header')).toEqual(['authorization: Bearer eyJhbGciOi.token']);
    expect(kinds(cs)).not.toContain('credential');
  });

  it('decodes a Basic Authorization into the user and password', () => {
    const basic = Buffer.from('alice:open sesame').toString('base64');
    const cs = capturesFromRequest(request({ headers: { authorization: `Basic ${basic}` } }));
    expect(valueOf(cs, 'credential')).toEqual(['basic alice:open sesame']);
    expect(kinds(cs)).not.toContain('header');
  });

  it('reads other telling headers such as an API key', () => {
    const cs = capturesFromRequest(request({ headers: { 'x-api-key': 'k-42', 'user-agent': 'curl/8' } }));
    expect(valueOf(cs, 'header')).toEqual(['x-api-key: k-42']);
  });

  it('truncates a long body and notes its full length', () => {
    const long = 'x'.repeat(5000);
    const cs = capturesFromRequest(request({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from(long) }));
    const body = at(valueOf(cs, 'body'), 0, 'body capture');
    expect(body.startsWith('x'.repeat(2048))).toBe(true);
    expect(body).not.toContain('x'.repeat(2049));
    expect(body).toContain('(5000 chars)');
    expect(body.length).toBeLessThan(long.length);
  });

  it('keeps a body exactly at the limit whole', () => {
    const text = 'y'.repeat(2048);
    const cs = capturesFromRequest(request({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from(text) }));
    expect(valueOf(cs, 'body')).toEqual([text]);
  });

  it('records a binary, non-form body as a body', () => {
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10, 0x3d]);
    const cs = capturesFromRequest(
      request({ method: 'PUT', url: 'https://cloud.example/upload', headers: { 'content-type': 'application/octet-stream' }, body: binary }),
    );
    expect(kinds(cs)).toEqual(['url', 'body']);
    expect(valueOf(cs, 'body')[0]).toContain('PNG');
  });
});

describe('capturesFromResponse', () => {
  it('reads a single Set-Cookie, keeping only name=value', () => {
    const cs = capturesFromResponse({ status: 200, headers: { 'set-cookie': 'sid=abc123; Path=/; HttpOnly; Secure' } });
    expect(cs).toEqual([{ kind: 'cookie', value: 'set-cookie: sid=abc123' }]);
  });

  it('reads every Set-Cookie of an array', () => {
    const cs = capturesFromResponse({
      status: 302,
      headers: { 'set-cookie': ['sid=abc; Path=/; HttpOnly', 'csrf=xyz; SameSite=Strict'] },
    });
    expect(cs).toEqual([
      { kind: 'cookie', value: 'set-cookie: sid=abc' },
      { kind: 'cookie', value: 'set-cookie: csrf=xyz' },
    ]);
  });

  it('captures nothing from a response without cookies', () => {
    expect(capturesFromResponse({ status: 200, headers: { 'content-type': 'text/html' } })).toEqual([]);
  });
});

describe('captureFromWebSocket', () => {
  it('marks what the client sent with → and what the server sent with ←', () => {
    expect(captureFromWebSocket('client', 'hello from Almaty')).toEqual({ kind: 'ws-message', value: '→ hello from Almaty' });
    expect(captureFromWebSocket('server', Buffer.from('welcome'))).toEqual({ kind: 'ws-message', value: '← welcome' });
  });

  it('truncates a long frame with a length note', () => {
    const c = captureFromWebSocket('client', 'z'.repeat(3000));
    expect(c.value.startsWith('→ ' + 'z'.repeat(2048))).toBe(true);
    expect(c.value).toContain('(3000 chars)');
    expect(c.value).not.toContain('z'.repeat(2049));
  });
});
