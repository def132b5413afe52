/**
 * The real openssl s_client as a client: its HTTP is read by Node's own parser, so a chunked
 * body in UTF-8 comes back whole (byte-counted chunk sizes once cut a JS string mid-character:
 * "Алматы – \r\n16\r\nҚа"), and a refused certificate is still OpenSSL's own words.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslFetcher } from '../../src/clients/openssl-fetcher.ts';
import { selfSigned } from '../support/self-signed.ts';

const TEXT = 'Алматы – Қазақстан, 2019 ✓';

describe('openssl s_client as a lab client', () => {
  let dir: string;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-openssl-'));
    const upstream = await selfSigned(dir, 'upstream.example');
    server = createServer({ cert: upstream.certPem, key: upstream.keyPem }, (_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      // No length: chunked. Cut the bytes inside a character, so a chunk ends mid-letter.
      const bytes = Buffer.from(TEXT, 'utf8');
      res.write(bytes.subarray(0, 3));
      res.write(bytes.subarray(3, 17));
      res.end(bytes.subarray(17));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const fetcher = (ca: string) => opensslFetcher({ network: { resolve: () => ({ address: '127.0.0.1', port }), names: [] }, caBundleFile: ca });

  it('reads a chunked UTF-8 body whole, with every header as Node parses it', async () => {
    const { attempt, response } = await fetcher(join(dir, 'upstream.example.crt'))(new URL('https://upstream.example/'), {});
    expect(attempt.error).toBeNull();
    expect(response).toMatchObject({ status: 200, body: TEXT });
    expect(response!.headers['transfer-encoding']).toBe('chunked');
    expect(response!.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });

  it("refuses a certificate it does not trust, in OpenSSL's words, with no response", async () => {
    // Trusting only some other CA: the server's self-signed certificate is not in the file.
    const other = await selfSigned(dir, 'other.example', []);
    const { attempt, response } = await fetcher(other.certFile)(new URL('https://upstream.example/'), {});
    expect(response).toBeNull();
    expect(attempt.error).toMatchObject({ code: 'VERIFY_ERROR' });
    expect(attempt.error!.message).toMatch(/self-signed certificate|unable to get local issuer/);
  });
});
