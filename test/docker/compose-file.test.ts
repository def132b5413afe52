/** docker/compose.yaml is the generator's output, and compose itself accepts it; the runtime's file becomes the docker CLI's commands. */
import { execFileSync } from 'node:child_process';
import { defaultWorld } from '../../src/scenario/sites.ts';
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/scenario/loader.ts';
import { composeFile } from '../../src/runtime/docker/compose-file.ts';
import { STANDALONE_COMPOSE_FILE, standaloneComposeFiles, staleStandaloneComposeFiles } from '../../src/runtime/docker/standalone-compose.ts';
import { dockerTopology } from '../../src/runtime/docker/topology.ts';
import { networkCreateArgs, serviceArgs, type RuntimeComposeFile } from '../../src/runtime/docker/start-services.ts';
import { serviceOfHost } from '../../src/scenario/sites.ts';
import { projectPath } from '../../src/project-root.ts';
import { dockerMissing, onCi } from './docker-available.ts';

/** Service `name` of a generated compose file, or throw naming the ones it has. */
function service<S>(file: { services: Record<string, S> }, name: string): S {
  const found = file.services[name];
  if (found === undefined) throw new Error(`no service ${name} in the compose file (has ${Object.keys(file.services).join(', ')})`);
  return found;
}

describe('the standalone compose files, one per shipped scenario', () => {
  it('are what `npm run docker:compose` writes (regenerate them after changing a scenario or the topology)', async () => {
    expect(await staleStandaloneComposeFiles()).toEqual([]);
  });

  it.skipIf(dockerMissing !== null && !onCi)("each passes `docker-compose config`, with its own scenario's hosts and subscribers", async () => {
    for (const [file] of await standaloneComposeFiles()) {
      const scenario = await resolveScenario(file === 'docker/compose.yaml' ? 'kz-2019' : file.replace(/^docker\/compose\/|\.yaml$/g, ''));
      const out = execFileSync('docker-compose', ['-f', projectPath(file), 'config', '--services'], { encoding: 'utf8' });
      const services = out.trim().split('\n').sort();
      const { routersBefore, routersAfter } = scenario.interceptor.location;
      const routers = Array.from({ length: routersBefore + routersAfter + 1 }, (_, i) => i + 1)
        .filter((h) => h !== routersBefore + 1)
        .map((h) => `router-${h}`);
      const expected = [
        'hostnet-fix',
        'pki',
        'isp',
        'ready',
        ...routers,
        ...scenario.sites.map((x) => serviceOfHost(x.host)),
        ...scenario.clients.map((c) => c.name),
      ].sort();
      expect(services, file).toEqual(expected);
    }
    const out = execFileSync('docker-compose', ['-f', STANDALONE_COMPOSE_FILE, 'config'], { encoding: 'utf8' });
    expect(out).toContain('internal: true');
    expect(out).toContain('ipv4_address: 10.89.0.2');
    expect(out).toContain('TLSLAB_SCENARIO: kz-2019');
  });
});

describe('the generated topology', () => {
  it('keeps every lab network internal, away from the host, and routes clients through the ISP', async () => {
    const scenario = await resolveScenario('kz-2019');
    const topology = dockerTopology(scenario.sites, scenario.clients, { home: '10.89.6', internet: '10.89.7' });
    const file = composeFile(topology, { mode: 'runtime', stateDir: '/tmp/x' }) as {
      services: Record<string, { dns?: string[]; networks?: Record<string, unknown>; init?: boolean; cap_add?: string[] }>;
      networks: Record<string, { internal: boolean; driver_opts: Record<string, string> }>;
    };
    for (const net of Object.values(file.networks)) {
      expect(net.internal).toBe(true);
      expect(net.driver_opts['com.docker.network.bridge.inhibit_ipv4']).toBe('true');
    }
    // Only the ISP is on both networks; clients only on home, sites only on internet.
    const on = (name: string) => Object.keys(service(file, name).networks ?? {});
    expect(on('isp').sort()).toEqual(['home', 'internet']);
    expect(on('no-cert')).toEqual(['home']);
    expect(on('bank')).toEqual(['internet']);
    expect(service(file, 'no-cert').dns).toEqual(['10.89.6.2']);
    expect(service(file, 'isp').init).toBe(true);
    // Targeted and untargeted sites each get their own pair of ports on the box.
    const redirects = topology.sites.flatMap((s) => [s.redirect.https, s.redirect.http]);
    expect(new Set(redirects).size).toBe(redirects.length);
  });

  it('lays the path hop by hop where the scenario puts the box: routers on each side, no ICMP redirects', async () => {
    const scenario = await resolveScenario('kz-2019');
    const topology = dockerTopology(scenario.sites, scenario.clients, { home: '10.89.6', internet: '10.89.7' }, { routersBefore: 2, routersAfter: 1 });
    expect(topology.gateway).toBe('10.89.6.3');
    expect(topology.routers).toEqual([
      { service: 'router-1', hop: 1, side: 'before', address: '10.89.6.3', towardSites: '10.89.6.4', towardSubscribers: null },
      { service: 'router-2', hop: 2, side: 'before', address: '10.89.6.4', towardSites: '10.89.6.2', towardSubscribers: '10.89.6.3' },
      { service: 'router-4', hop: 4, side: 'after', address: '10.89.7.200', towardSites: null, towardSubscribers: '10.89.7.2' },
    ]);
    expect(topology.isp).toMatchObject({ hop: 3, towardSites: '10.89.7.200', towardSubscribers: '10.89.6.4' });
    const file = composeFile(topology, { mode: 'runtime', stateDir: '/tmp/x' }) as {
      services: Record<string, { sysctls?: Record<string, string>; networks?: Record<string, unknown> }>;
    };
    expect(Object.keys(service(file, 'router-4').networks!)).toEqual(['internet']);
    expect(service(file, 'router-1').sysctls).toMatchObject({
      'net.ipv4.ip_forward': '1',
      'net.ipv4.conf.all.send_redirects': '0',
      'net.ipv4.conf.eth0.send_redirects': '0',
    });
  });

  it('refuses a client named like a lab host', () => {
    expect(() => dockerTopology(defaultWorld(), [{ name: 'bank', trusts: ['web'], program: 'scripted' } as never])).toThrow(
      /client name "bank" is also a host/,
    );
  });
});

describe('the runtime file as docker CLI commands (start-services.ts)', () => {
  it('translates every service: each on its own address, the ISP on both networks, compose labels on each', async () => {
    const scenario = await resolveScenario('kz-2019');
    const topology = dockerTopology(scenario.sites, scenario.clients, { home: '10.89.6', internet: '10.89.7' }, scenario.interceptor.location);
    const file = composeFile(topology, { mode: 'runtime', stateDir: '/tmp/x', project: 'tlslabtest' }) as unknown as RuntimeComposeFile;
    for (const [name, s] of Object.entries(file.services)) {
      const { create } = serviceArgs('tlslabtest', name, s, file.networks);
      expect(create.slice(0, 3), name).toEqual(['create', '--name', `tlslabtest-${name}`]);
      expect(create, name).toEqual(
        expect.arrayContaining(['--label', 'com.docker.compose.project=tlslabtest', '--label', `com.docker.compose.service=${name}`]),
      );
      // The image, then the command: the container's own command line, as compose would give it.
      expect(create.slice(create.indexOf(s.image) + 1), name).toEqual(s.command);
    }
    const isp = serviceArgs('tlslabtest', 'isp', file.services.isp!, file.networks);
    expect(isp.create.join(' ')).toContain('--network tlslabtest_home --ip 10.89.6.2 --network-alias isp');
    expect(isp.create.join(' ')).toContain('--sysctl net.ipv4.ip_forward=1');
    expect(isp.connect).toEqual([['network', 'connect', '--ip', '10.89.7.2', '--alias', 'isp', 'tlslabtest_internet', 'tlslabtest-isp']]);
    const client = serviceArgs('tlslabtest', 'no-cert', file.services['no-cert']!, file.networks);
    expect(client.create.join(' ')).toContain('--dns 10.89.6.2 --shm-size 512m');
    expect(client.create).toContain('/tmp/x/hosts/no-cert:/lab/state');
    expect(networkCreateArgs('tlslabtest', 'home', file.networks.home!).join(' ')).toBe(
      'network create --driver bridge --internal --opt com.docker.network.bridge.inhibit_ipv4=true --subnet 10.89.6.0/24 --label com.docker.compose.project=tlslabtest --label com.docker.compose.network=home tlslabtest_home',
    );
  });

  it('refuses a compose key it does not translate, naming it, rather than start a container without it', async () => {
    const scenario = await resolveScenario('kz-2019');
    const topology = dockerTopology(scenario.sites, scenario.clients, { home: '10.89.6', internet: '10.89.7' });
    const file = composeFile(topology, { mode: 'runtime', stateDir: '/tmp/x', project: 'tlslabtest' }) as unknown as RuntimeComposeFile;
    const withHealthcheck = { ...file.services.bank!, healthcheck: { test: ['CMD', 'true'] } } as never;
    expect(() => serviceArgs('tlslabtest', 'bank', withHealthcheck, file.networks)).toThrow(
      "start-services.ts does not translate service bank's healthcheck: teach it, or leave them out of the runtime's compose file",
    );
  });
});
