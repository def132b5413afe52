/**
 * `--pcap FILE`: both sides of the box as pcapng with the TLS secrets inside, read back with
 * Wireshark's own tshark and nothing else (no key log given to it): the password crosses the
 * subscriber's side of the box and again the site's side, in clear to anyone holding the file.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddress, LOCAL_BLOCKS } from '../../src/runtime/local/address-plan.ts';
import { group } from '../support/at.ts';

const exec = promisify(execFile);
const TLSLAB = join(import.meta.dirname, '..', '..', 'src', 'cli', 'tlslab.mjs');
const tools = ['/usr/bin/tcpdump', '/usr/bin/tshark', '/usr/bin/editcap'];
const missing = tools.filter((t) => !existsSync(t));
const asRoot = process.getuid?.() === 0;
// In CI a missing tool fails the test, never skips it (.ci/install-debian-packages installs them).
const runIt = process.env.CI === 'true' || (missing.length === 0 && asRoot);
if (!runIt)
  console.log(`--pcap tests skipped: ${missing.length ? `${missing.join(', ')} missing (apt-get install tcpdump tshark)` : 'capturing packets needs root'}`);

function tlslab(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return exec(process.execPath, [TLSLAB, ...args], { cwd, env: { ...env, NO_COLOR: '1' } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }),
  );
}

/** The form fields Wireshark decoded, with who sent them to whom: `src dst fields`. */
async function passwordsInside(file: string): Promise<string[]> {
  const { stdout } = await exec('tshark', [
    '-r',
    file,
    '-Y',
    'urlencoded-form.key == "password"',
    '-T',
    'fields',
    '-e',
    'ip.src',
    '-e',
    'ip.dst',
    '-e',
    'urlencoded-form.value',
  ]);
  return stdout.trim().split('\n').filter(Boolean);
}

describe.skipIf(!runIt)('tlslab run --pcap', () => {
  let dir: string;
  let file: string;
  let run: Awaited<ReturnType<typeof tlslab>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-pcap-'));
    file = join(dir, 'class.pcapng');
    run = await tlslab(['run', 'kz-2019', '--clients', 'installed-cert', 'no-cert', '--pcap', file, '--json', 'r.json'], dir);
  }, 120_000);

  it('writes a pcapng, 0600, holding its decryption secrets', async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/packets \S+class\.pcapng \(\d+ packets, both sides of the box, TLS secrets inside\)/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const { stdout } = await exec('capinfos', [file]);
    expect(stdout).toMatch(/File type:\s+Wireshark\/\.\.\. - pcapng/);
    expect(stdout).toMatch(/Number of decryption secrets in file:\s+1/);
  });

  it('shows Wireshark the password on both sides of the box, from the subscriber who installed the root only', async () => {
    const seen = await passwordsInside(file);
    const [subscriberSide = [], boxSide = []] = [LOCAL_BLOCKS.home, LOCAL_BLOCKS.internet].map((block) =>
      seen.filter((l) => (block === LOCAL_BLOCKS.home ? l.startsWith(`${block}.`) : l.split('\t')[1]?.startsWith(`${block}.`))),
    );
    // The subscriber's side: from installed-cert's line to the box's address for the bank.
    expect(subscriberSide).toContainEqual(`${clientAddress(1)}\t${LOCAL_BLOCKS.isp}.10\talice,Almaty-2019!`);
    // The box's side: the same password re-encrypted towards the real bank.
    expect(boxSide).toContainEqual(expect.stringMatching(new RegExp(`\\t${LOCAL_BLOCKS.internet}\\.10\\talice,Almaty-2019!$`)));
    // no-cert refused the forged certificate: nothing of it to decrypt.
    expect(seen.filter((l) => l.startsWith(`${clientAddress(0)}\t`))).toEqual([]);
  });

  it('leaves nothing of the capture behind: no raw capture or key file in the lab folder', async () => {
    const left = existsSync(join(dir, '.tlslab')) ? await readdir(join(dir, '.tlslab'), { recursive: true }) : [];
    expect(left.filter((f) => /capture|keylog/.test(String(f)))).toEqual([]);
  });
});

describe.skipIf(!runIt)('tlslab up --pcap', () => {
  let dir: string;
  let up: ChildProcess;
  let output = '';
  afterAll(() => {
    if (up?.exitCode === null) up.kill('SIGKILL');
  });

  it('captures what a person does by hand, and writes it when Ctrl-C stops the lab', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tlslab-pcap-up-'));
    const file = join(dir, 'by-hand.pcapng');
    up = spawn(process.execPath, [TLSLAB, 'up', 'kz-2019', '--pcap', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout!.on('data', (c) => (output += c));
    up.stderr!.on('data', (c) => (output += c));
    await expect.poll(() => output, { timeout: 60_000 }).toContain('written to');
    const facts = JSON.parse(await readFile(join(dir, group(/The same facts as JSON: (\S+)/, output)), 'utf8'));
    const login = facts.commands.find((c: any) => /WITH the state root/.test(c.title)).command as string;
    await exec('bash', ['-c', login], { cwd: dir });
    const exited = new Promise((r) => up.once('exit', r));
    up.kill('SIGINT');
    await exited;
    expect(output).toMatch(/Wrote packets \S+by-hand\.pcapng \(\d+ packets/);
    const seen = await passwordsInside(file);
    expect(seen, output).toHaveLength(2); // the subscriber's side and the box's side, once each
  }, 120_000);
});

describe.skipIf(!runIt)('without tcpdump', () => {
  it('stops with a sentence saying what to install, and leaves no lab behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tlslab-pcap-none-'));
    // A PATH with node and nothing else: no tcpdump to find.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await symlink(process.execPath, join(bin, 'node'));
    const r = await tlslab(['run', 'kz-2019', '--clients', 'no-cert', '--pcap', 'x.pcapng'], dir, { ...process.env, PATH: bin });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--pcap: tcpdump could not capture on lo: tcpdump is not installed; install tcpdump and tshark');
    expect(existsSync(join(dir, 'x.pcapng'))).toBe(false);
    const labs = join(dir, '.tlslab', 'labs');
    expect(existsSync(labs) ? await readdir(labs) : []).toEqual([]);
  }, 60_000);
});
