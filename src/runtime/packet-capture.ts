/**
 * `--pcap FILE`: both sides of the ISP box as real packets, captured by tcpdump (libpcap) while
 * the lab runs, then written as one pcapng with the box's TLS secrets inside it (a
 * Decryption Secrets Block, put there by Wireshark's own editcap --inject-secrets). Wireshark
 * then shows the subscriber's password on the subscriber's side of the box and again on the
 * site's side, with no key log to load: the exercise SSLsplit's users do by hand with its
 * -X/-M options. Each runtime says where its packets cross (which interfaces, which filter).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where one tcpdump listens: an interface and a BPF filter naming only this lab's traffic. */
export interface CaptureTap {
  iface: string;
  filter: string;
}

export interface PacketCapture {
  /** Stop capturing and write everything so far, secrets embedded, to `file` (mode 0600: it holds keys). */
  save(file: string, keylog: string[]): Promise<{ packets: number }>;
  /** Stop capturing and keep nothing (the lab is stopping). Safe to call twice. */
  stop(): Promise<void>;
}

export class CaptureError extends Error {
  readonly code = 'TLSLAB_PCAP';
}

/** How long tcpdump may take to say it is listening. */
const LISTEN_TIMEOUT_MS = 10_000;
const INSTALL_HINT = 'install tcpdump and tshark (apt-get install tcpdump tshark, or npm run setup)';

/** Start one tcpdump per tap, writing to `dir`; resolves once every one is listening. */
export async function capturePackets(taps: CaptureTap[], dir: string): Promise<PacketCapture> {
  const running: Array<{ child: ChildProcess; file: string; exited: Promise<string> }> = [];
  try {
    for (const [i, tap] of taps.entries()) running.push(await startTcpdump(tap, join(dir, `capture-${i}.pcap`)));
  } catch (err) {
    for (const r of running) r.child.kill('SIGKILL');
    throw err;
  }
  let stopped: Promise<string[]> | null = null;
  // tcpdump writes its last packets and its count when interrupted (-U flushes each packet anyway).
  const stopAll = () => (stopped ??= Promise.all(running.map((r) => (r.child.kill('SIGINT'), r.exited))));
  return {
    async save(file, keylog) {
      const reports = await stopAll();
      const packets = reports.reduce((n, text) => n + Number(/(\d+) packets? captured/.exec(text)?.[1] ?? 0), 0);
      const secrets = join(dir, 'capture-keylog.txt');
      await writeFile(secrets, keylog.join(''), { mode: 0o600 });
      const files = running.map((r) => r.file);
      let merged = files[0]!;
      if (files.length > 1) {
        merged = join(dir, 'capture-merged.pcapng');
        await tool('mergecap', ['-w', merged, ...files]);
      }
      await rm(file, { force: true });
      await tool('editcap', ['--inject-secrets', `tls,${secrets}`, merged, file]);
      await chmod(file, 0o600);
      await rm(secrets, { force: true });
      return { packets };
    },
    async stop() {
      await stopAll();
    },
  };
}

function startTcpdump(tap: CaptureTap, file: string): Promise<{ child: ChildProcess; file: string; exited: Promise<string> }> {
  // --immediate-mode: each packet handed over as it comes; without it libpcap's TPACKET_V3 ring
  // holds packets in blocks (up to a second), and the last ones before the stop are lost.
  // -U: each packet written as it comes; -n: no name lookups (nothing leaves the lab); -s 0: whole packets.
  const child = spawn('tcpdump', ['-i', tap.iface, '--immediate-mode', '-U', '-n', '-s', '0', '-w', file, tap.filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  const exited = new Promise<string>((resolve) => child.once('close', () => resolve(stderr)));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new CaptureError(`--pcap: tcpdump could not capture on ${tap.iface}: ${why}`));
    };
    const timer = setTimeout(() => fail(`it did not start listening within ${LISTEN_TIMEOUT_MS / 1000} s`), LISTEN_TIMEOUT_MS);
    child.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT' ? `tcpdump is not installed; ${INSTALL_HINT}` : err.message));
    child.stderr.on('data', () => {
      if (!/listening on/.test(stderr)) return;
      clearTimeout(timer);
      resolve({ child, file, exited });
    });
    child.once('exit', (code) => {
      if (/listening on/.test(stderr)) return;
      const said = stderr.trim().split('\n').pop() ?? '';
      const permission = /permission|not permitted/i.test(said);
      fail(`${said || `exit ${code}`}${permission ? ' (capturing packets needs root, or: setcap cap_net_raw,cap_net_admin=eip $(command -v tcpdump))' : ''}`);
    });
  });
}

function tool(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(new CaptureError(`--pcap: ${command} ${err.code === 'ENOENT' ? `is not installed; ${INSTALL_HINT}` : `failed: ${err.message}`}`)),
    );
    child.once('close', (code) => (code === 0 ? resolve() : reject(new CaptureError(`--pcap: ${command} failed (exit ${code}): ${stderr.trim()}`))));
  });
}
