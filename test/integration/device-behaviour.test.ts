/** The 2019 device's behaviours the paper documented, checked through real handshakes and the real openssl. */
import { execFile } from 'node:child_process';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';

function certificateFor(at: { address: string; port: number }, sni: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: at.address, port: at.port, servername: sni, rejectUnauthorized: false }, () => {
      const cert = s.getPeerCertificate();
      s.destroy();
      resolve(cert);
    });
    s.on('error', reject);
  });
}

describe('the 2019 device, probed as Raman et al. probed it', () => {
  let lab: Lab;
  let news: { address: string; port: number };
  beforeAll(async () => {
    lab = await startLab(await resolveScenario('kz-2019'));
    news = lab.describe().hosts.find((h) => h.name === 'news.example')!.routes!.https!;
  });
  afterAll(() => lab?.stop());

  it('same server, benign SNI: the real certificate', async () => {
    const cert = await certificateFor(news, 'news.example');
    expect(cert.issuer.CN).toBe('Lab TLS Issuing CA 1');
  });

  it("same server, targeted SNI: a forged certificate in the SERVER's names, not the SNI's", async () => {
    const cert = await certificateFor(news, 'bank.example');
    expect(cert.issuer.CN).toBe('Security Certificate');
    expect(cert.subjectaltname).toBe('DNS:news.example');
    expect(cert.subject.CN).toBe('news.example');
  });

  const openssl = (args: string, input = '') =>
    new Promise<string>((resolve) => {
      const p = execFile('sh', ['-c', `openssl s_client ${args} 2>/dev/null`], { timeout: 15_000 }, (_err, out) => resolve(out));
      p.stdin!.end(input);
    });

  it('matches the SNI without case (RFC 6066, 4343): BANK.EXAMPLE is forged like bank.example, and recorded as sent', async () => {
    const bank = lab.describe().hosts.find((h) => h.name === 'bank.example')!.routes!.https!;
    const out = await openssl(`-connect ${bank.address}:${bank.port} -servername BANK.EXAMPLE -CAfile ${lab.describe().trust.webAndStateRoots}`);
    expect(out).toMatch(/i:C\s?=\s?KZ, CN\s?=\s?Security Certificate/);
    expect(out).toContain('Verify return code: 0 (ok)');
    const seen = lab.interceptorEvents().filter((e) => e.type === 'connection' && e.sni === 'BANK.EXAMPLE');
    expect(seen).toEqual([expect.objectContaining({ decision: 'intercept' })]);
  });

  it('after an SNI mismatch, requests go on to the server the device looked at', async () => {
    // SNI bank.example sent to news.example's server: forged in news.example's names, then the
    // request is relayed to that server (before, the box refused its own upstream name check: 504).
    const out = await openssl(
      `-connect ${news.address}:${news.port} -servername bank.example -quiet`,
      'GET / HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n',
    );
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(out).toContain('The Steppe Times');
  });
});
