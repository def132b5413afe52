/** The 2019 device's behaviours the paper documented, checked through real handshakes. */
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
});
