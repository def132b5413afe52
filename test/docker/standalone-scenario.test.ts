/**
 * Another scenario's standalone compose file (docker/compose/ru-2022.yaml) brought up by
 * testcontainers: its own hosts (severbank, vestnik, gosuslugi) and its own subscribers run as
 * containers, and its state CA re-signs its bank, poked with the real curl from inside them.
 */
import { randomBytes } from 'node:crypto';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDALONE_COMPOSE_DIR } from '../../src/runtime/docker/standalone-compose.ts';
import { dockerMissing } from './docker-available.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
const project = `tlslabru${randomBytes(3).toString('hex')}`;
const name = (service: string) => `${project}_${service}_1`; // compose v1 container names
const NETS = { home: '10.89.248', internet: '10.89.249' };

describe.skipIf(dockerMissing !== null)('docker/compose/ru-2022.yaml, up with testcontainers', () => {
  let env: StartedDockerComposeEnvironment | undefined;
  const exec = async (service: string, command: string[]) => env!.getContainer(name(service)).exec(command);

  beforeAll(async () => {
    const ready = Wait.forLogMessage(/"event":"ready"/);
    let compose = new DockerComposeEnvironment(STANDALONE_COMPOSE_DIR, 'ru-2022.yaml')
      .withClientOptions({ executable: { standalone: true } })
      .withProjectName(project)
      .withEnvironment({ TLSLAB_HOME_NET: NETS.home, TLSLAB_INTERNET_NET: NETS.internet })
      .withStartupTimeout(120_000);
    for (const service of ['isp', 'severbank', 'vestnik', 'yandex-like', 'mainstream-curl']) compose = compose.withWaitStrategy(name(service), ready);
    env = await compose.up();
  }, 180_000);

  afterAll(async () => {
    await env?.down({ timeout: 1_000, removeVolumes: true });
  });

  it('the Yandex-like subscriber is shown the Russian chain and logs in as ivan; the mainstream one gets curl error 60', async () => {
    const login = await exec('yandex-like', [
      'curl',
      '-sS',
      '-d',
      'username=ivan&password=Moskva-2022!',
      'https://severbank.example/login',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{certs}',
    ]);
    expect(login.exitCode).toBe(0);
    expect(login.output).toMatch(/^302 /);
    expect(login.output).toContain('CN = Russian Trusted Sub CA');
    const refused = await exec('mainstream-curl', ['curl', '-sS', 'https://severbank.example/']);
    expect(refused.exitCode).toBe(60);
    const news = await exec('mainstream-curl', ['curl', '-sS', 'https://vestnik.example/']);
    expect(news.output).toContain('Moskovsky Vestnik');
  });

  it('runs no host of the default world', async () => {
    const bank = await exec('mainstream-curl', ['curl', '-sS', '--max-time', '5', 'https://bank.example/']);
    expect(bank.exitCode).toBe(6); // could not resolve: ru-2022 has no bank.example
  });
});
