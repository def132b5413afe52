/**
 * `tlslab` as a person runs it: real processes, and the real curl and openssl against a lab
 * kept up by `tlslab up`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { group } from '../support/at.ts';

const exec = promisify(execFile);
const TLSLAB = join(import.meta.dirname, '..', '..', 'src', 'cli', 'tlslab.mjs');

function tlslab(args: string[], cwd: string) {
  return exec('node', [TLSLAB, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }),
  );
}

describe('tlslab run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-cli-'));
  });

  it('prints the narrated report and writes JSON, HAR and key log', async () => {
    const r = await tlslab(['run', 'kz-2019', '--json', 'r.json', '--har', 'r.har', '--keylog', 'r.keys', '--screenshots', 'shots'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('the state read credential: username=alice&password=Almaty-2019!');
    expect(r.stdout).toMatch(/no-cert\s+REFUSED\s+refused https:\/\/bank\.example\/login: unable to get local issuer certificate/);
    expect(r.stdout).toMatch(/Expectations: (\d+)\/\1 met/);

    const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    // Asked for, Chromium's screenshots outlive the lab in that folder, and the report points at them.
    const shots: string[] = report.steps.flatMap((st: any) => st.clients.flatMap((c: any) => c.screenshots));
    expect(shots.some((f) => /^shots\/chromium-installed-bank-login-\d\.png$/.test(f))).toBe(true);
    for (const f of shots) expect((await readFile(join(dir, f))).subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(join(dir, '.tlslab', 'runs'))).toBe(false);
    expect(report.results.find((x: any) => x.client === 'installed-cert' && x.site === 'bank.example').outcome).toBe('exposed');

    const har = JSON.parse(await readFile(join(dir, 'r.har'), 'utf8'));
    expect(har.log.version).toBe('1.2');
    const post = har.log.entries.find((e: any) => e.request.method === 'POST' && e.request.url === 'https://bank.example/login');
    expect(post.request.postData.text).toBe('username=alice&password=Almaty-2019%21');
    expect(post.response.status).toBe(302);
    const ws = har.log.entries.find((e: any) => e._resourceType === 'websocket');
    expect(ws._webSocketMessages.map((m: any) => m.data)).toContain('{"text":"meet at 6"}');
    const page = har.log.entries.find((e: any) => e.request.url === 'https://bank.example/account');
    expect(page.response.content.text).toContain('Available balance');

    const keys = await readFile(join(dir, 'r.keys'), 'utf8');
    expect(keys).toMatch(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$/m);
    // TLS 1.2 upstream (the device's own hello): the classic CLIENT_RANDOM lines.
    expect(keys).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/m);
    // Keys of the run are gone with the lab.
    expect(existsSync(join(dir, '.tlslab', 'labs'))).toBe(true);
  });

  it('Ctrl-C in the middle of a run stops the lab and deletes its keys', async () => {
    const sub = await mkdtemp(join(tmpdir(), 'tlslab-sigint-'));
    const child = spawn('node', [TLSLAB, 'run', 'kz-2019', '--clients', 'no-cert', 'chromium-installed'], { cwd: sub, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    // Wait until the lab exists on disk, then interrupt it.
    await expect.poll(() => existsSync(join(sub, '.tlslab', 'labs')) && readdirSync(join(sub, '.tlslab', 'labs')).length > 0, { timeout: 20_000 }).toBe(true);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(130);
    expect(err).toContain('Stopping the lab');
    expect(readdirSync(join(sub, '.tlslab', 'labs'))).toEqual([]);
  });

  it('lists the scenarios', async () => {
    const r = await tlslab(['list'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kz-2019\s+\S/m);
  });

  it('validates scenario files without starting anything: ok for each good one, every problem of a bad one, exit 1', async () => {
    const good = join(import.meta.dirname, '..', '..', 'scenarios', 'kz-2020.yaml');
    const text = (await readFile(good, 'utf8')).replace('profile: isca-2020', 'profile: isca-2002').replace('policy: sni-targets', 'policy: sni-target');
    await writeFile(join(dir, 'kz-2020.yaml'), text);
    const line = (marker: string) => text.split('\n').findIndex((l) => l.includes(marker)) + 1;
    const before = readdirSync(dir).filter((f) => f.startsWith('.tlslab'));
    const ok = await tlslab(['validate', good], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('ok  ');
    expect(ok.stdout).toContain('kz-2020, 2 clients, 4 steps, state CA "C=KZ, O=ISCA, CN=Information Security Certification Authority CA" (from isca-2020)');
    const bad = await tlslab(['validate', good, 'kz-2020.yaml'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`kz-2020.yaml:${line('isca-2002')}:12 stateCa.profile: there is no state CA preset "isca-2002" (did you mean "isca-2020"?)`);
    expect(bad.stdout).toContain(`kz-2020.yaml:${line('sni-target')}:`);
    expect(bad.stdout).toContain('1 of 2 files not valid');
    expect(readdirSync(dir).filter((f) => f.startsWith('.tlslab'))).toEqual(before);
  });

  it('names the file, the line and the field of a broken scenario, and starts nothing', async () => {
    const text = (await readFile(join(import.meta.dirname, '..', '..', 'scenarios', 'kz-2019.yaml'), 'utf8')).replace(
      'policy: sni-targets',
      'policy: sni-target',
    );
    await writeFile(join(dir, 'kz-2019.yaml'), text);
    const line = text.split('\n').findIndex((l) => l.includes('policy: sni-target')) + 1;
    const r = await tlslab(['run', './kz-2019.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`kz-2019.yaml:${line}:`);
    expect(r.stderr).toContain('interceptor.policy');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 1 when the lab contradicts an expectation', async () => {
    const text = (await readFile(join(import.meta.dirname, '..', '..', 'scenarios', 'kz-2019.yaml'), 'utf8')).replace(
      '- { client: installed-cert, site: news.example, outcome: untouched }',
      '- { client: installed-cert, site: news.example, outcome: exposed }',
    );
    await writeFile(join(dir, 'kz-2019.yaml'), text);
    const r = await tlslab(['run', './kz-2019.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ installed-cert on news.example: exposed: got untouched');
  });

  it('says which scenarios exist when given an unknown name', async () => {
    const r = await tlslab(['run', 'kz-1999'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kz-2019');
  });
});

describe('tlslab up, poked with the real curl and openssl', () => {
  let dir: string;
  let up: ChildProcess;
  let facts: any;
  let output = '';
  const sh = (command: string) =>
    exec('bash', ['-c', command], { cwd: dir }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e) => ({ code: e.code as number, out: String(e.stdout) + String(e.stderr) }),
    );
  const command = (title: RegExp) => facts.commands.find((c: any) => title.test(c.title)).command as string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-up-'));
    up = spawn('node', [TLSLAB, 'up', 'kz-2019'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout!.on('data', (c) => (output += c));
    up.stderr!.on('data', (c) => (output += c));
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (output.includes('What the ISP box sees')) {
          clearInterval(t);
          resolve();
        }
        if (up.exitCode !== null) {
          clearInterval(t);
          reject(new Error(`tlslab up exited: ${output}`));
        }
      }, 50);
    });
    const factsFile = group(/The same facts as JSON: (\S+)/, output);
    facts = JSON.parse(await readFile(join(dir, factsFile), 'utf8'));
  });
  afterAll(() => {
    if (up.exitCode === null) up.kill('SIGKILL');
  });

  it('prints every host, the trust files and the commands', () => {
    for (const host of ['bank.example', 'social.example', 'mail.example', 'search.example', 'news.example', 'qca.example', 'no-cert', 'installed-cert']) {
      expect(output).toContain(host);
    }
    expect(output).toContain('certs/state-root.pem');
    expect(facts.hosts.find((h: any) => h.name === 'bank.example').routes.https.port).toBeGreaterThan(0);
  });

  it('curl without the state root refuses the forged certificate', async () => {
    const r = await sh(command(/WITHOUT the state root/));
    expect(r.code).toBe(60);
    expect(r.out).toContain('SSL certificate problem: unable to get local issuer certificate');
  });

  it('curl with the state root logs in, and the ISP prints the password', async () => {
    const r = await sh(command(/WITH the state root/));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^302 https:\/\/bank\.example\/account/);
    await expect.poll(() => output).toContain('bank.example credential: username=alice&password=Almaty-2019!');
  });

  it('openssl sees the forged chain for a targeted name and the original for news.example', async () => {
    const forged = await sh(command(/forged chain/));
    expect(forged.out.trim()).toBe('issuer=C = KZ, CN = Security Certificate');
    const original = await sh(command(/untargeted site/));
    expect(original.out.trim()).toBe('issuer=C = US, O = Lab Trust Services, CN = Lab TLS Issuing CA 1');
  });

  it('plain HTTP to a targeted name is answered with the install page', async () => {
    const r = await sh(command(/Plain HTTP/));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^http:\/\/qca\.example\/\?from=http%3A%2F%2Fbank\.example%2F/);
  });

  it('stops cleanly on Ctrl-C and deletes its keys', async () => {
    up.kill('SIGINT');
    const code = await new Promise((r) => up.once('exit', r));
    expect(code).toBe(0);
    expect(output).toContain('Stopped; its keys are deleted.');
    expect(existsSync(facts.stateDir)).toBe(false);
  });
});
