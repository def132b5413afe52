/**
 * docker/compose.yaml brought up by testcontainers (compose v1, Ryuk off), then poked from inside
 * the subscribers' containers with the real curl and openssl, as docs/docker.md tells a person to.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDALONE_COMPOSE_FILE } from '../../src/runtime/docker/standalone-compose.ts';
import { dockerMissing, onCi } from './docker-available.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
const project = `tlslabtc${randomBytes(3).toString('hex')}`;
const name = (service: string) => `${project}_${service}_1`; // compose v1 container names
// Away from the pairs tlslab's docker runtime picks first (10.89.0.0 upwards).
const NETS = { home: '10.89.250', internet: '10.89.251' };

describe('on CI, Docker is available', () => {
  it('docker, docker-compose and tlslab/lab are there', { skip: !onCi }, () => {
    expect(dockerMissing).toBeNull();
  });
});

describe.skipIf(dockerMissing !== null)('docker/compose.yaml, up with testcontainers', () => {
  let env: StartedDockerComposeEnvironment | undefined;
  const exec = async (service: string, command: string[]) => env!.getContainer(name(service)).exec(command);

  beforeAll(async () => {
    const ready = Wait.forLogMessage(/"event":"ready"/);
    let compose = new DockerComposeEnvironment(dirname(STANDALONE_COMPOSE_FILE), 'compose.yaml')
      .withClientOptions({ executable: { standalone: true } })
      .withProjectName(project)
      .withEnvironment({ TLSLAB_HOME_NET: NETS.home, TLSLAB_INTERNET_NET: NETS.internet })
      .withStartupTimeout(120_000);
    for (const service of ['isp', 'bank', 'news', 'installed-cert', 'no-cert']) compose = compose.withWaitStrategy(name(service), ready);
    env = await compose.up();
  }, 180_000);

  afterAll(async () => {
    // Ryuk is off, so nothing else would remove the project: always take it down.
    await env?.down({ timeout: 1_000, removeVolumes: true });
  });

  it('a subscriber with the state root is shown the forged chain and logs in; the ISP reads the password', async () => {
    const login = await exec('installed-cert', [
      'curl',
      '-sS',
      '-d',
      'username=alice&password=Almaty-2019!',
      'https://bank.example/login',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{certs}',
    ]);
    expect(login.exitCode).toBe(0);
    expect(login.output).toMatch(/^302 /);
    expect(login.output).toContain('Issuer:C = KZ, CN = Security Certificate');
    // What the box recorded, as tlslab on the host reads it (the state volume's records file).
    const records = await exec('isp', ['cat', '/lab/state/isp/records.jsonl']);
    const events = records.output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.t === 'event')
      .map((r) => r.e);
    expect(events).toContainEqual(expect.objectContaining({ type: 'forged', sni: 'bank.example', names: ['bank.example'] }));
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'capture',
        kind: 'credential',
        site: 'bank.example',
        value: 'username=alice&password=Almaty-2019!',
        line: 'installed-cert',
      }),
    );
  });

  it('docker logs of the ISP is the readout: the password, by subscriber name, as tlslab up prints it', async () => {
    await exec('installed-cert', ['curl', '-sS', '-d', 'username=alice&password=Almaty-2019!', 'https://bank.example/login', '-o', '/dev/null']);
    await expect
      .poll(() => execFileSync('docker', ['logs', name('isp')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), { timeout: 5_000 })
      .toContain('installed-cert bank.example credential: username=alice&password=Almaty-2019!');
    const all = execFileSync('docker', ['logs', name('isp')], { encoding: 'utf8' });
    expect(all).toMatch(/installed-cert \(10\.89\.250\.\d+:\d+\) → bank\.example SNI=bank\.example INTERCEPT/);
    expect(all).toContain('forged a certificate for bank.example (SNI bank.example), issued by C=KZ, CN=Security Certificate');
  });

  it("least privilege: a subscriber holds no private key and no one's records; a site holds only its own key", async () => {
    const keys = async (service: string) =>
      (await exec(service, ['sh', '-c', 'find /lab/state \\( -name "*.key" ! -name "*.public.key" -o -name "records.jsonl" \\) | sort'])).output
        .trim()
        .split('\n')
        .filter(Boolean);
    expect(await keys('no-cert')).toEqual([]);
    expect(await keys('installed-cert')).toEqual([]);
    expect(await keys('bank')).toEqual(['/lab/state/keys/bank.example.key']);
    expect(await keys('news')).toEqual(['/lab/state/keys/news.example.key']);
    expect((await keys('isp')).sort()).toEqual([
      '/lab/state/isp/records.jsonl',
      '/lab/state/keys/stateIntermediate.key',
      '/lab/state/mitm-ca/keys/ca.private.key',
    ]);
    // What a subscriber can see of the lab: the public facts, its own files (the socket tlslab drives it by, 0600).
    const seen = await exec('no-cert', ['ls', '/lab/state']);
    expect(seen.output.trim().split('\n').sort()).toEqual(['agent.sock', 'docker-lab.json', 'ready']);
    expect((await exec('no-cert', ['stat', '-c', '%A', '/lab/state/agent.sock'])).output.trim()).toBe('srw-------');
  });

  it('a subscriber without it gets curl error 60, and untargeted sites keep their real chain', async () => {
    const refused = await exec('no-cert', ['curl', '-sS', 'https://bank.example/']);
    expect(refused.exitCode).toBe(60);
    expect(refused.output).toContain('unable to get local issuer certificate');
    const news = await exec('no-cert', [
      'sh',
      '-c',
      'openssl s_client -connect news.example:443 -servername news.example -verify_return_error </dev/null 2>&1',
    ]);
    expect(news.output).toContain('Verify return code: 0 (ok)');
    expect(news.output).toContain('CN = Lab TLS Issuing CA 1');
  });

  it("the box knows the address the client dialled: a targeted SNI sent to news.example gets news.example's names", async () => {
    const newsAddress = `${NETS.internet}.14`;
    const out = await exec('installed-cert', [
      'sh',
      '-c',
      `openssl s_client -connect ${newsAddress}:443 -servername bank.example </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer`,
    ]);
    expect(out.output).toContain('subject=CN = news.example');
    expect(out.output).toContain('issuer=C = KZ, CN = Security Certificate');
  });

  it('nothing leaves the lab: no name outside it resolves, and no address outside it answers', async () => {
    // Never a real address: a name outside the lab's (resolvable nowhere, RFC 6761) and a
    // documentation address (TEST-NET-1, RFC 5737), which no network routes.
    const dns = await exec('no-cert', ['curl', '-sS', '--max-time', '5', 'https://nowhere.example.net.invalid/']);
    expect(dns.exitCode).toBe(6); // could not resolve
    const ip = await exec('no-cert', ['curl', '-sS', '--max-time', '3', 'http://192.0.2.1/']);
    expect(ip.exitCode).not.toBe(0);
  });
});
