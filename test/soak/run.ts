/**
 * The box's soak: `tlslab up kz-2019` as a user starts it, and for SOAK_SECONDS a mix of valid
 * traffic (logins read through forged TLS over keep-alive, pass-through to news.example, plain
 * HTTP sent to the install page) with garbage, resets, abandoned POSTs, half ClientHellos and
 * clients that drip a byte at a time. It passes when the box is still alive, every valid request
 * was served, its file descriptors are back to the baseline, its RSS stayed within the bound,
 * and Ctrl-C still stops it and deletes its keys.
 *
 *   npm run soak                       # 20 minutes
 *   npm run soak -- --seconds 120      # the short version CI runs
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent, request, type RequestOptions } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connect as tlsConnect } from 'node:tls';
import { group } from '../support/at.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: process.env.SOAK_SECONDS ?? '1200' }, 'rss-mb': { type: 'string', default: '400' } },
});
const SECONDS = Number(values.seconds);
const RSS_LIMIT_MB = Number(values['rss-mb']);
const FD_SLACK = 10;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const root = await mkdtemp(join(tmpdir(), 'tlslab-soak-'));
// However the soak goes, it ends: a run that cannot finish its checks fails, and takes the box down.
const hardStop = setTimeout(
  () => {
    console.log(`FAIL the soak did not finish within ${SECONDS + 240} s`);
    box.kill('SIGINT');
    setTimeout(() => process.exit(1), 30_000).unref();
  },
  (SECONDS + 240) * 1000,
);
hardStop.unref();
const box = spawn('node', [resolve('src/cli/tlslab.mjs'), 'up', 'kz-2019', '--state-dir', root], { stdio: ['ignore', 'pipe', 'inherit'] });
let printed = '';
let readoutLines = 0;
box.stdout.on('data', (c: Buffer) => {
  if (printed.length < 20_000) printed += c.toString();
  readoutLines += c.toString().split('\n').length - 1;
});
const boxExit = new Promise<number | null>((r) => box.once('exit', (code) => r(code)));
while (!/The same facts as JSON: (\S+)/.test(printed)) {
  if (box.exitCode !== null) throw new Error(`tlslab up exited early:\n${printed}`);
  await wait(100);
}
const factsFile = resolve(group(/The same facts as JSON: (\S+)/, printed));
const facts = JSON.parse(readFileSync(factsFile, 'utf8'));
const route = (name: string, scheme: 'https' | 'http') =>
  facts.hosts.find((h: { name: string }) => h.name === name).routes[scheme] as { address: string; port: number };
const bank = route('bank.example', 'https');
const news = route('news.example', 'https');
const social = route('social.example', 'http');
const installed = readFileSync(facts.trust.webAndStateRoots, 'utf8');
const webRoot = readFileSync(facts.trust.webRoot, 'utf8');

const fds = () => readdirSync(`/proc/${box.pid}/fd`).length;
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${box.pid}/status`, 'utf8'))![1]) / 1024;

const tally = { valid: 0, validFailed: 0, garbage: 0, resets: 0, abandoned: 0, drips: 0, halfHellos: 0 };
const failures: string[] = [];
let running = true;

function get(opts: RequestOptions, body?: string, plain = false): Promise<number> {
  return new Promise((done) => {
    const req = (plain ? httpRequest : request)(opts, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(-1));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => {
      if (failures.length < 20) failures.push(e.message);
      done(-1);
    });
    req.end(body);
  });
}

async function valid(kind: 'login' | 'pass' | 'plain', agent: Agent | HttpAgent | false): Promise<void> {
  let status: number;
  if (kind === 'login') {
    const body = 'username=alice&password=Almaty-2019!';
    status = await get(
      {
        host: bank.address,
        port: bank.port,
        servername: 'bank.example',
        ca: installed,
        agent,
        method: 'POST',
        path: '/login',
        headers: { host: 'bank.example', 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
      },
      body,
    );
  } else if (kind === 'pass') {
    status = await get({ host: news.address, port: news.port, servername: 'news.example', ca: webRoot, agent, path: '/', headers: { host: 'news.example' } });
  } else {
    status = await get({ host: social.address, port: social.port, agent, path: '/', headers: { host: 'social.example' } }, undefined, true);
  }
  tally.valid++;
  const ok = kind === 'login' ? status === 302 || status === 200 : kind === 'plain' ? status === 302 : status === 200;
  if (!ok) {
    tally.validFailed++;
    if (failures.length < 20) failures.push(`${kind}: status ${status}`);
  }
}

/** Runs `fn` until the soak ends; an iteration that never settles (a client the harness lost track of) is left behind after 45 s. */
async function loop(fn: () => Promise<void>): Promise<void> {
  while (running) {
    await Promise.race([fn().catch((e: Error) => void (failures.length < 20 && failures.push(`harness: ${e.message}`))), wait(45_000)]);
  }
}

function garbage(): Promise<void> {
  return new Promise((done) => {
    const s = netConnect(bank.port, bank.address);
    s.on('error', () => undefined);
    s.once('connect', () =>
      s.end(
        Math.random() < 0.5
          ? Buffer.from('GET / HTTP/1.1\r\n\r\n')
          : Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x30]), Buffer.alloc(48, Math.random() * 255)]),
      ),
    );
    // A record the box cannot read is passed through untouched, and the real server may sit on
    // it until its own handshake timeout: this client does not wait that long.
    const giveUp = setTimeout(() => s.destroy(), 5_000);
    s.once('close', () => {
      clearTimeout(giveUp);
      tally.garbage++;
      done();
    });
  });
}

function reset(): Promise<void> {
  return new Promise((done) => {
    const t = tlsConnect({ host: bank.address, port: bank.port, servername: 'bank.example', ca: installed });
    t.on('error', () => undefined);
    t.once('secureConnect', () => {
      t.write('GET /account HTTP/1.1\r\nHost: bank.example\r\n');
      setTimeout(() => {
        // A TCP reset in the middle of a request (RST, not FIN), then the TLS socket goes too.
        (t as unknown as { _parent?: { resetAndDestroy?(): void } })._parent?.resetAndDestroy?.();
        t.destroy();
      }, 5);
    });
    t.once('close', () => {
      tally.resets++;
      done();
    });
  });
}

function abandonedPost(): Promise<void> {
  return new Promise((done) => {
    const t = tlsConnect({ host: bank.address, port: bank.port, servername: 'bank.example', ca: installed });
    t.on('error', () => undefined);
    t.once('secureConnect', () => {
      t.write(
        'POST /login HTTP/1.1\r\nHost: bank.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=alice&password=Almaty',
      );
      setTimeout(() => t.destroy(), 20);
    });
    t.once('close', () => {
      tally.abandoned++;
      done();
    });
  });
}

function drip(): Promise<void> {
  return new Promise((done) => {
    const t = tlsConnect({ host: bank.address, port: bank.port, servername: 'bank.example', ca: installed });
    t.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    t.once('secureConnect', () => {
      const text = 'GET / HTTP/1.1\r\nX-Slow: ';
      let i = 0;
      timer = setInterval(() => !t.destroyed && t.write(text.charAt(i++ % text.length)), 500);
    });
    // The box drops it at its request-head deadline; a client that gives up first is fine too.
    const giveUp = setTimeout(() => t.destroy(), 40_000);
    t.once('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      tally.drips++;
      done();
    });
  });
}

function halfHello(): Promise<void> {
  return new Promise((done) => {
    const s = netConnect(bank.port, bank.address);
    s.on('error', () => undefined);
    s.once('connect', () => s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])));
    s.once('close', () => {
      tally.halfHellos++;
      done();
    });
  });
}

// Warm up with the same shape of load, then take the baseline.
const loginAgent = new Agent({ keepAlive: true, maxSockets: 8 });
const plainAgent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
for (let i = 0; i < 50; i++) await Promise.all([valid('login', loginAgent), valid('pass', false), valid('plain', plainAgent)]);
loginAgent.destroy();
plainAgent.destroy();
await wait(2000);
const baseline = { fds: fds(), rss: rssMb() };
tally.valid = tally.validFailed = 0;
console.log(`soak: ${SECONDS} s against tlslab up (pid ${box.pid}); baseline ${baseline.fds} fds, ${baseline.rss.toFixed(0)} MB RSS`);

const started = Date.now();
const agents = { login: new Agent({ keepAlive: true, maxSockets: 8 }), plain: new HttpAgent({ keepAlive: true, maxSockets: 4 }) };
const workers = [
  ...Array.from({ length: 8 }, () => loop(() => valid('login', agents.login))),
  ...Array.from({ length: 2 }, () => loop(() => valid('pass', false))),
  ...Array.from({ length: 2 }, () => loop(() => valid('plain', agents.plain))),
  ...Array.from({ length: 4 }, () => loop(garbage)),
  loop(reset),
  loop(abandonedPost),
  ...Array.from({ length: 10 }, () => loop(drip)),
  ...Array.from({ length: 5 }, () => loop(halfHello)),
];
let maxRss = baseline.rss;
let maxFds = baseline.fds;
while (Date.now() - started < SECONDS * 1000) {
  await wait(5000);
  if (box.exitCode !== null) break;
  maxRss = Math.max(maxRss, rssMb());
  maxFds = Math.max(maxFds, fds());
  const s = Math.round((Date.now() - started) / 1000);
  console.log(
    `  ${s} s: ${tally.valid} valid (${tally.validFailed} failed), ${tally.garbage} garbage, ${tally.resets} resets, ${tally.abandoned} abandoned POSTs, ${tally.drips} drips dropped, ${tally.halfHellos} half hellos; box ${fds()} fds, ${rssMb().toFixed(0)} MB`,
  );
}
running = false;
await Promise.all(workers);
agents.login.destroy();
agents.plain.destroy();

const alive = box.exitCode === null;
let settledFds = alive ? fds() : -1;
for (let i = 0; alive && i < 90 && settledFds > baseline.fds + FD_SLACK; i++) {
  await wait(500);
  settledFds = fds();
}
const endRss = alive ? rssMb() : -1;
box.kill('SIGINT');
const code = await boxExit;
const labsLeft = existsSync(join(root, 'labs')) ? readdirSync(join(root, 'labs')).length : 0;

const checks: Array<[string, boolean]> = [
  ['the box stayed up the whole time', alive],
  [`every valid request was served (${tally.valid - tally.validFailed}/${tally.valid})`, tally.valid > 0 && tally.validFailed === 0],
  [
    `file descriptors back to the baseline (${settledFds} after, ${baseline.fds} before, at most ${maxFds} during)`,
    settledFds >= 0 && settledFds <= baseline.fds + FD_SLACK,
  ],
  [`RSS within ${RSS_LIMIT_MB} MB (${maxRss.toFixed(0)} MB at most, ${endRss.toFixed(0)} MB at the end)`, maxRss <= RSS_LIMIT_MB],
  ['every kind of bad client was sent', tally.garbage > 0 && tally.resets > 0 && tally.abandoned > 0 && tally.drips > 0],
  [`Ctrl-C stopped it (exit ${code}) and deleted its keys`, code === 0 && labsLeft === 0],
];
console.log(`\nsoak: ${SECONDS} s, ${tally.valid} valid requests, ${readoutLines} readout lines`);
for (const [what, ok] of checks) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
if (failures.length) console.log(`  first failures: ${failures.slice(0, 10).join('; ')}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
