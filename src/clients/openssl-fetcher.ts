/**
 * The real `openssl s_client` as a lab client: it verifies the chain with -verify_return_error
 * (so a refused certificate ends the handshake, in OpenSSL's own words) and, when it trusts
 * the server, sends one HTTP/1.1 request typed on its standard input, as a person would.
 */
import { spawn } from 'node:child_process';
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
    const headers: Record<string, string> = { host: url.host, connection: 'close', 'user-agent': 'openssl-s_client', ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const request =
      `${init.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
      '\r\n' +
      (init.body ?? '');
    const args = ['s_client', '-connect', `${to.address}:${to.port}`, '-servername', url.hostname, '-CAfile', opts.caBundleFile,
      '-verify_return_error', '-verify_hostname', url.hostname, '-quiet', '-ign_eof'];
    const { stdout, stderr, code } = await run(args, request);
    // "depth=0 CN = bank.example" lines name each certificate as OpenSSL walks the chain.
    attempt.issuer = /depth=1 .*?CN\s?=\s?([^,\n]+)/.exec(stderr)?.[1]?.trim() ?? null;
    const verifyError = /verify error:num=\d+:([^\n]+)/.exec(stderr);
    if (code !== 0 || verifyError) {
      attempt.error = { code: verifyError ? 'VERIFY_ERROR' : `EXIT_${code}`, message: verifyError ? `verify error: ${verifyError[1].trim()}` : stderr.trim().split('\n').pop() ?? '' };
      return { attempt, response: null };
    }
    const response = parseResponse(stdout);
    if (!response) {
      attempt.error = { code: 'NO_RESPONSE', message: 'no HTTP response came back' };
      return { attempt, response: null };
    }
    attempt.status = response.status;
    return { attempt, response };
  };
}

function parseResponse(raw: string) {
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/') || end < 0) return null;
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string | string[]> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    if (k === 'set-cookie') headers[k] = [...((headers[k] as string[]) ?? []), v];
    else headers[k] = v;
  }
  let body = raw.slice(end + 4);
  if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) body = unchunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

function unchunk(s: string): string {
  let out = '';
  let at = 0;
  while (at < s.length) {
    const eol = s.indexOf('\r\n', at);
    const size = parseInt(s.slice(at, eol), 16);
    if (!size) break;
    out += s.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

function run(args: string[], input: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? Object.assign(new Error('openssl is not installed: apt-get install openssl'), { code: 'TLSLAB_CLIENT_MISSING' }) : err),
    );
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? 1 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
