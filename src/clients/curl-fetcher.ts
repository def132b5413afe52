/**
 * The real curl as a lab client: one curl process per request, reaching lab names through the
 * client's line into the ISP box with `--connect-to`, trusting only its own CA bundle, and
 * reporting in its own words (`curl: (60) SSL certificate problem: …`).
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attempt, HttpResult } from './http-client.ts';
import type { ClientNetwork } from './network.ts';

export type Fetcher = (url: URL, init: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<HttpResult>;

interface CurlOptions {
  network: ClientNetwork;
  /** Every lab name, so that curl can reach each through the box. */
  hosts: string[];
  caBundleFile: string;
  workDir: string;
}

let counter = 0;

export function curlFetcher(opts: CurlOptions): Fetcher {
  return async (url, init) => {
    const scheme = url.protocol === 'https:' ? 'https' : 'http';
    const attempt: Attempt = { site: url.hostname, url: url.href, scheme, local: null, issuer: null, error: null, status: null };
    const bodyFile = join(opts.workDir, `curl-body-${process.pid}-${++counter}`);
    const args = ['-sS', '--max-time', '10', '--cacert', opts.caBundleFile, '-o', bodyFile, '-D', '-', '-w', '\n%{json}', '-X', init.method ?? 'GET'];
    if (opts.network.localAddress) args.push('--interface', opts.network.localAddress);
    for (const host of opts.hosts) {
      for (const [port, s] of [
        [443, 'https'],
        [80, 'http'],
      ] as const) {
        const to = opts.network.resolve(host, s);
        if (to) args.push('--connect-to', `${host}:${port}:${to.address}:${to.port}`);
      }
    }
    for (const [k, v] of Object.entries(init.headers ?? {})) args.push('-H', `${k}: ${v}`);
    if (init.body !== undefined) args.push('--data-binary', init.body);
    args.push(url.href);
    const { stdout, stderr, code } = await run('curl', args);
    const jsonStart = stdout.lastIndexOf('\n{');
    const meta = jsonStart >= 0 ? safeJson(stdout.slice(jsonStart + 1)) : null;
    if (meta?.local_port) attempt.local = { address: meta.local_ip, port: meta.local_port };
    const body = await readFile(bodyFile, 'utf8').catch(() => '');
    await rm(bodyFile, { force: true });
    if (code !== 0) {
      // curl's first line is its verdict; the rest is advice ("More details here: …").
      attempt.error = { code: `CURLE_${code}`, message: stderr.trim().split('\n')[0] || `curl exited ${code}` };
      // curl does not show the refused certificate; the box's record of the flow does.
      return { attempt, response: null };
    }
    const headers = parseHeaders(stdout.slice(0, jsonStart >= 0 ? jsonStart : undefined));
    attempt.status = meta?.http_code ?? null;
    // %{json} carries %{certs} (curl 7.88): the chain curl was shown, leaf first.
    attempt.issuer = /^Issuer:.*?CN\s?=\s?([^,\n]+)/m.exec(String(meta?.certs ?? ''))?.[1]?.trim() ?? null;
    return { attempt, response: { status: meta?.http_code ?? 0, headers, body } };
  };
}

function parseHeaders(raw: string): Record<string, string | string[]> {
  // With redirects not followed there is one header block; keep the last, as curl -D shows it.
  const blocks = raw.split(/\r?\n\r?\n/).filter((b) => /^HTTP\//.test(b));
  const last = blocks[blocks.length - 1] ?? '';
  const headers: Record<string, string | string[]> = {};
  for (const line of last.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    if (k === 'set-cookie') headers[k] = [...((headers[k] as string[]) ?? []), v];
    else headers[k] = v;
  }
  return headers;
}

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(Object.assign(new Error(`${cmd} is not installed: apt-get install ${cmd}`), { code: 'TLSLAB_CLIENT_MISSING' }));
      }
      resolve({ stdout, stderr, code: err ? Number((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

/** The fields of curl's `%{json}` write-out that are read here (curl writes every variable it knows). */
interface CurlMeta {
  local_ip: string;
  local_port: number;
  http_code: number;
  /** The chain curl was shown, as text (curl 7.88+). */
  certs?: string;
}

function safeJson(text: string): CurlMeta | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as CurlMeta) : null;
  } catch {
    return null;
  }
}
