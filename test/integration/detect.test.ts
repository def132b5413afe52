/**
 * `tlslab detect`: the box's targets found from outside by Raman et al.'s method alone (a control
 * SNI against every lab name, at every server), scored against each scenario's own target list.
 */
import { describe, expect, it } from 'vitest';
import { startLab } from '../../src/runtime/start-lab.ts';
import { detectInterception } from '../../src/scenario/detect.ts';
import { resolveScenario } from '../../src/scenario/loader.ts';

async function detect(name: string) {
  const scenario = await resolveScenario(name);
  const lab = await startLab(scenario);
  try {
    return await detectInterception(
      scenario,
      lab,
      lab
        .describe()
        .hosts.filter((h) => h.role === 'site')
        .map((h) => h.name),
    );
  } finally {
    await lab.stop();
  }
}

describe('finding the box from outside', () => {
  it.each(['kz-2019', 'kz-2020'])('%s: recovers the target list from probing alone, no false positive', async (name) => {
    const det = await detect(name);
    expect(det.triggering).toEqual(['bank.example', 'mail.example', 'search.example', 'social.example']);
    expect({ precision: det.precision, recall: det.recall }).toEqual({ precision: 1, recall: 1 });
    // As the paper found: a targeted SNI sent to another server is forged in that server's names.
    const news = det.servers.find((s) => s.name === 'news.example')!;
    expect(news.control).toMatchObject({ subject: 'CN=news.example', webTrusted: true });
    const probe = news.probes.find((p) => p.sni === 'bank.example')!;
    expect(probe).toMatchObject({ intercepted: true, seen: { subject: 'CN=news.example', webTrusted: false } });
    expect(news.probes.find((p) => p.sni === 'news.example')).toMatchObject({ intercepted: false });
    // Loopback has no hops: the report says so and how to count them.
    expect(det.ttl).toBeNull();
    expect(det.ttlUnavailable).toMatch(/no router between a subscriber and the box.*--runtime docker/);
  });

  it('intercept-all: the control name is forged too, and every name is found', async () => {
    const det = await detect('intercept-all');
    expect(det.servers.every((s) => s.control?.webTrusted === false)).toBe(true);
    expect(det.triggering).toEqual(det.truth);
    expect(det.triggering.length).toBeGreaterThanOrEqual(8);
  });

  it('kz-2021: finds the intercepted names, and tells the blocked ones apart by the reset', async () => {
    const det = await detect('kz-2021');
    expect(det.triggering).toEqual(['mail.example', 'social.example']);
    expect(det.blocked).toEqual(['news.example', 'vpn.example']);
    expect({ precision: det.precision, recall: det.recall }).toEqual({ precision: 1, recall: 1 });
    // At any server: the name in the ClientHello is what the box blocks, not the address.
    const bank = det.servers.find((s) => s.name === 'bank.example')!;
    expect(bank.probes.find((p) => p.sni === 'news.example')).toMatchObject({ blocked: true, intercepted: false, seen: null });
    expect(bank.probes.find((p) => p.sni === 'bank.example')).toMatchObject({ blocked: false, intercepted: false });
  });

  it('baseline: nothing is found, and nothing was there', async () => {
    const det = await detect('baseline');
    expect(det.triggering).toEqual([]);
    expect(det.blocked).toEqual([]);
    expect(det.truth).toEqual([]);
  });
});
