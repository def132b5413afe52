/**
 * Garbage on the interceptor's ports never stops it serving others (DEVELOPERS.md), and it
 * refuses destinations that are not lab hosts (README, "Safety").
 */
import { mkdtemp } from 'node:fs/promises';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStateCaPreset } from '../../src/scenario/state-ca.ts';
import { Interceptor } from '../../src/interceptor/interceptor.ts';
import { createLabPki } from '../../src/pki/lab-pki.ts';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';
import type { SessionStep } from '../../src/scenario/schema.ts';
import { InterceptPolicy } from '../../src/interceptor/policy.ts';

const QAZNET_2019 = loadStateCaPreset('qaznet-2019');

function open(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port }, () => resolve(s));
    s.on('error', reject);
  });
}

function closed(s: Socket, ms = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    s.on('error', () => undefined);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    s.resume();
  });
}

describe('the ISP box under garbage', () => {
  let lab: Lab;
  let bankTls: { address: string; port: number };
  let bankHttp: { address: string; port: number };
  let login: SessionStep;

  beforeAll(async () => {
    const scenario = await resolveScenario('kz-2019');
    lab = await startLab(scenario);
    const bank = lab.describe().hosts.find((h) => h.name === 'bank.example')!;
    bankTls = bank.routes!.https!;
    bankHttp = bank.routes!.http!;
    login = scenario.session.find((s) => s.id === 'bank-login')!;
  });
  afterAll(() => lab?.stop());

  const stillServes = async () => {
    const run = await lab.runStep('installed-cert', login);
    expect(run.summary).toMatch(/^logged in as alice: 200/);
  };

  it('drops plain text sent to the TLS port, records it, and serves the next client', async () => {
    const s = await open(bankTls.address, bankTls.port);
    s.write('GET / HTTP/1.1\r\nHost: bank.example\r\n\r\n');
    expect(await closed(s)).toBe(true);
    expect(lab.interceptorEvents().some((e) => e.type === 'garbage' && /not a TLS ClientHello/.test(e.message))).toBe(true);
    await stillServes();
  });

  it('survives a TLS-looking record full of junk', async () => {
    const s = await open(bankTls.address, bankTls.port);
    s.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40]), Buffer.alloc(64, 0xee)]));
    expect(await closed(s)).toBe(true);
    await stillServes();
  });

  it('serves others while a client sits on half a ClientHello', async () => {
    const s = await open(bankTls.address, bankTls.port);
    s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    await stillServes();
    expect(s.destroyed).toBe(false);
    s.destroy();
  });

  it('serves others through a burst of 100 garbage connections', async () => {
    const junk = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const s = await open(bankTls.address, bankTls.port);
        s.write(i % 2 ? Buffer.from('\x00\x01\x02garbage') : Buffer.alloc(10, 0x16));
        s.on('error', () => undefined);
        return s;
      }),
    );
    await stillServes();
    for (const s of junk) s.destroy();
  });

  it('survives a client that leaves in the middle of the forged handshake', async () => {
    for (let i = 0; i < 10; i++) {
      const t = tlsConnect({ host: bankTls.address, port: bankTls.port, servername: 'bank.example', rejectUnauthorized: false });
      t.on('error', () => undefined);
      t.once('secureConnect', () => t.destroy());
      setTimeout(() => t.destroy(), i);
    }
    await new Promise((r) => setTimeout(r, 100));
    await stillServes();
  });

  it('refuses a client that tries the box as a proxy (CONNECT), instead of holding its socket', async () => {
    const s = await open(bankHttp.address, bankHttp.port);
    let answer = '';
    s.on('data', (c: Buffer) => (answer += c.toString()));
    s.write('CONNECT bank.example:443 HTTP/1.1\r\nHost: bank.example:443\r\n\r\n');
    expect(await closed(s)).toBe(true);
    expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
    await stillServes();
  });

  it('records a client that hangs up while the box looks at the real server', async () => {
    const before = lab.interceptorEvents().length;
    const t = tlsConnect({ host: bankTls.address, port: bankTls.port, servername: 'bank.example', rejectUnauthorized: false });
    t.on('error', () => undefined);
    // Gone as soon as its ClientHello is out.
    t.once('connect', () => setTimeout(() => t.destroy(), 1));
    await new Promise((r) => t.once('close', r));
    await expect
      .poll(() => {
        const fresh = lab.interceptorEvents().slice(before);
        const conn = fresh.find((e) => e.type === 'connection' && e.sni === 'bank.example');
        return conn && fresh.some((e) => e.type === 'closed' && e.flow === (conn as { flow: string }).flow);
      })
      .toBe(true);
    await stillServes();
  });

  it('drops TLS sent to the plain-HTTP port and malformed HTTP, and keeps serving', async () => {
    const tls = await open(bankHttp.address, bankHttp.port);
    tls.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    expect(await closed(tls)).toBe(true);
    const bad = await open(bankHttp.address, bankHttp.port);
    bad.write('NOT HTTP AT ALL\r\n\r\n');
    expect(await closed(bad)).toBe(true);
    await stillServes();
  });
});

describe('the ISP box and destinations outside the lab', () => {
  it('refuses a connection whose original destination is not a lab host', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tlslab-refuse-'));
    const pki = await createLabPki({ dir, profile: QAZNET_2019, siteNames: [], keyPoolSize: 1 });
    const interceptor = new Interceptor({
      pki,
      policy: new InterceptPolicy({
        mode: 'intercept-all',
        targets: [],
        plainHttp: 'pass',
        upstreamCheck: true,
        validatesUpstream: true,
        installPageHost: 'qca.example',
      }),
    });
    // A server outside the lab, on a loopback address the lab does not use: if the guard ever
    // regressed, the box would connect here, never to a real address.
    let reached = 0;
    const outside = createNetServer((s) => {
      reached++;
      s.destroy();
    });
    await new Promise<void>((r) => outside.listen(0, '127.66.0.1', r));
    const outsideAt = { address: '127.66.0.1', port: (outside.address() as AddressInfo).port };
    try {
      const at = await interceptor.listen({
        address: '127.0.0.1',
        port: 0,
        protocol: 'tls',
        // As if the client had dialled a destination that is not a lab host: the box must not reach out.
        originalDestination: () => ({ destination: outsideAt, name: null }),
      });
      const s = await open(at.address, at.port);
      s.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
      expect(await closed(s)).toBe(true);
      const event = interceptor.events.find((e) => e.type === 'connection');
      expect(event).toMatchObject({ decision: 'refused', reason: 'the destination is not a lab host: nothing leaves the lab' });
      expect(reached).toBe(0);
    } finally {
      await interceptor.close();
      await new Promise((r) => outside.close(r));
      pki.close();
    }
  });
});
