/**
 * The real `openssl s_client` as a lab client: it verifies the chain with -verify_return_error
 * (so a refused certificate ends the handshake, in OpenSSL's own words) and, when it trusts
 * the server, sends one HTTP/1.1 request typed on its standard input, as a person would.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Duplex } from 'node:stream';
import type { Fetcher } from './curl-fetcher.ts';
import type { Attempt } from './http-client.ts';
import type { ClientNetwork } from './network.ts';
import { NotSupported } from './not-supported.ts';

export function opensslFetcher(opts: { network: ClientNetwork; caBundleFile: string }): Fetcher {
  return async (url, init) => {
    if (url.protocol !== 'https:') throw new NotSupported('openssl s_client speaks TLS only; plain HTTP is not its job');
    const to = opts.network.resolve(url.hostname, 'https');
    const attempt: Attempt = { site: url.hostname, url: url.href, scheme: 'https', local: null, issuer: null, error: null, status: null };
    if (!to) {
      attempt.error = { code: 'ENOTFOUND', message: `${url.hostname} does not resolve in the lab` };
      return { attempt, response: null };
    }
    const args = [
      's_client',
      '-connect',
      `${to.address}:${to.port}`,
      '-servername',
      url.hostname,
      '-CAfile',
      opts.caBundleFile,
      '-verify_return_error',
      '-verify_hostname',
      url.hostname,
      '-quiet',
      '-ign_eof',
    ];
    const { response, stderr, code } = await exchange(args, url, init);
    // "depth=0 CN = bank.example" lines name each certificate as OpenSSL walks the chain.
    attempt.issuer = /depth=1 .*?CN\s?=\s?([^,\n]+)/.exec(stderr)?.[1]?.trim() ?? null;
    const verifyError = /verify error:num=\d+:([^\n]+)/.exec(stderr);
    if (code !== 0 || verifyError) {
      attempt.error = {
        code: verifyError ? 'VERIFY_ERROR' : `EXIT_${code}`,
        message: verifyError ? `verify error: ${verifyError[1]!.trim()}` : (stderr.trim().split('\n').pop() ?? ''),
      };
      return { attempt, response: null };
    }
    if (!response) {
      attempt.error = { code: 'NO_RESPONSE', message: 'no HTTP response came back' };
      return { attempt, response: null };
    }
    attempt.status = response.status;
    return { attempt, response };
  };
}

/**
 * One request through `openssl s_client`: Node's own HTTP client writes the request into
 * openssl's standard input and parses what comes out of its standard output (status, headers,
 * chunked bodies, bytes of any encoding), so nothing of HTTP is parsed by hand.
 */
function exchange(
  args: string[],
  url: URL,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ response: { status: number; headers: IncomingHttpHeaders; body: string } | null; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let response: { status: number; headers: IncomingHttpHeaders; body: string } | null = null;
    let answered = false;
    let exited: number | null = null;
    const finish = () => {
      if (answered && exited !== null) {
        clearTimeout(timer);
        resolve({ response, stderr, code: exited });
      }
    };
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? Object.assign(new Error('openssl is not installed: apt-get install openssl'), { code: 'TLSLAB_CLIENT_MISSING' }) : err),
    );
    child.on('close', (code) => {
      exited = code ?? 1;
      finish();
    });
    child.stdin.on('error', () => undefined);
    const wire = Duplex.from({ writable: child.stdin, readable: child.stdout });
    wire.on('error', () => undefined);
    const headers: Record<string, string> = { host: url.host, connection: 'close', 'user-agent': 'openssl-s_client', ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const req = httpRequest(
      { method: init.method ?? 'GET', path: `${url.pathname}${url.search}`, headers, setHost: false, createConnection: () => wire },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          response = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
          answered = true;
          finish();
        });
        res.on('error', () => {
          answered = true;
          finish();
        });
      },
    );
    // A refused certificate ends openssl before any answer: the request fails, the exit code says why.
    req.on('error', () => {
      answered = true;
      finish();
    });
    req.end(init.body);
  });
}
