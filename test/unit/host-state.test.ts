// Least privilege in the docker lab: which files each host's folder holds (host-state.ts).
import { describe, expect, it } from 'vitest';
import { filesOfHost, hostServices } from '../../src/runtime/docker/host-state.ts';
import { dockerTopology } from '../../src/runtime/docker/topology.ts';
import { defaultWorld } from '../../src/scenario/sites.ts';

const topology = dockerTopology(defaultWorld(), [
  { name: 'no-cert', trusts: ['web'], program: 'scripted' },
  { name: 'installed-cert', trusts: ['web', 'state'], program: 'scripted' },
]);

describe('what each docker host holds', () => {
  it('a subscriber: the public facts only, whatever it trusts', () => {
    for (const c of ['no-cert', 'installed-cert']) expect(filesOfHost(topology, c)).toEqual({ public: ['docker-lab.json'], secret: [] });
  });

  it('a site: its own key and chain, and the state root (public, for the install page)', () => {
    expect(filesOfHost(topology, 'bank')).toEqual({
      public: ['docker-lab.json', 'certs/state-root.pem', 'certs/state-root.der', 'certs/bank.example.chain.pem'],
      secret: ['keys/bank.example.key'],
    });
    // The install page serves plain HTTP: no key at all.
    expect(filesOfHost(topology, 'qca').secret).toEqual([]);
  });

  it("the ISP: the state intermediate it forges with, and no site's key", () => {
    const isp = filesOfHost(topology, 'isp');
    expect(isp.secret).toEqual(['keys/stateIntermediate.key', 'mitm-ca/keys/ca.private.key']);
    expect([...isp.public, ...isp.secret].some((f) => /bank|stateRoot\.key|webRoot|webIntermediate/.test(f))).toBe(false);
  });

  it('no host holds a root key, and every host has a folder', () => {
    const all = hostServices(topology).flatMap((s) => filesOfHost(topology, s).secret);
    expect(all.filter((f) => /Root\.key|webIntermediate\.key/.test(f))).toEqual([]);
    expect(hostServices(topology)).toEqual(['isp', 'qca', 'bank', 'social', 'mail', 'search', 'news', 'cdn', 'vpn', 'outside', 'no-cert', 'installed-cert']);
  });
});
