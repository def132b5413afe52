/**
 * `tlslab up --runtime docker` stays up until Ctrl-C, then takes every container down and deletes
 * the keys; the commands it prints run on the subscribers' own machines and show what they say;
 * with `--pcap`, both of the lab's bridges are in the file, secrets inside, when it stops.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerMissing } from './docker-available.ts';

// In CI tshark is there (.ci/install-debian-packages); elsewhere the capture is still made, and only reading it back is skipped.
const readPcap = existsSync('/usr/bin/tshark') || process.env.CI === 'true';
if (!readPcap) console.log('docker --pcap read-back skipped: tshark is missing (apt-get install tshark)');

describe.skipIf(dockerMissing !== null)('tlslab up --runtime docker', () => {
  it('keeps the lab up until SIGINT, then stops it cleanly', { timeout: 180_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tlslab-up-docker-'));
    const pcap = join(stateDir, 'lab.pcapng');
    const child = spawn(process.execPath, ['src/cli/tlslab.mjs', 'up', 'kz-2019', '--runtime', 'docker', '--state-dir', stateDir, '--pcap', pcap]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 150_000;
    while (!out.includes('What the ISP box sees') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    const project = /tlslab[0-9a-f]{8}/.exec(out)?.[0];
    expect(project, out).toBeDefined();
    // Nothing but the lab itself holds the process: it must still be there a while later.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(child.exitCode).toBeNull();
    const running = () => execFileSync('docker', ['ps', '-q', '--filter', `name=${project}-`], { encoding: 'utf8' }).trim();
    expect(running()).not.toBe('');
    // Every printed command with an expectation, as a person pastes it.
    const facts = JSON.parse(readFileSync(/The same facts as JSON: (\S+)/.exec(out)![1]!, 'utf8'));
    const checked = facts.commands.filter((c: { expect?: unknown }) => c.expect);
    expect(checked.length).toBeGreaterThanOrEqual(4);
    for (const c of checked as Array<{ title: string; command: string; expect: { exit: number; prints: string } }>) {
      const r = await new Promise<{ exit: unknown; stdout: string }>((resolve) =>
        execFile('sh', ['-c', c.command], { timeout: 30_000 }, (err, stdout) => resolve({ exit: err ? (err as { code?: unknown }).code : 0, stdout })),
      );
      expect({ title: c.title, exit: r.exit, printed: r.stdout.includes(c.expect.prints) }, `${c.command}\n${r.stdout}`).toEqual({
        title: c.title,
        exit: c.expect.exit,
        printed: true,
      });
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('Stopped; its keys are deleted.');
    expect(running()).toBe('');
    expect(readdirSync(join(stateDir, 'labs'))).toEqual([]);
    expect(out).toMatch(/Wrote packets \S+lab\.pcapng \(\d+ packets/);
    if (readPcap) {
      // The login with the state root, as Wireshark shows it from the file alone: once on the
      // subscribers' bridge (from the client's own address) and once on the internet bridge (from the box's).
      const fields = execFileSync(
        'tshark',
        ['-r', pcap, '-Y', 'urlencoded-form.key == "password"', '-T', 'fields', '-e', 'ip.src', '-e', 'urlencoded-form.value'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      const senders = new Set(
        fields
          .trim()
          .split('\n')
          .filter((l) => l.endsWith('\talice,Almaty-2019!'))
          .map((l) => l.split('\t')[0]),
      );
      expect(senders.size, fields).toBe(2);
    }
  });
});
