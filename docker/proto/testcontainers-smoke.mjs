// GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab (nor run by its tests).
// Proven smoke test of testcontainers 11.14 + docker-compose 1.29 (v1) on this machine.
// Run from a scratch folder outside the repo:
//   mkdir -p /work/docker-proto/env && cp docker/compose.proto.yaml /work/docker-proto/env/compose.yaml
//   cp docker/proto/testcontainers-smoke.mjs /work/docker-proto/tc.mjs
//   cd /work/docker-proto && npm i testcontainers@11 && TESTCONTAINERS_RYUK_DISABLED=true node tc.mjs
import { DockerComposeEnvironment, Wait } from 'testcontainers';
const t = () => performance.now();
const project = `tlslabtc${process.pid}`;
// compose v1 names containers <project>_<service>_1 and testcontainers keys them by that full name
const name = (svc) => `${project}_${svc}_1`;
const t0 = t();
const env = await new DockerComposeEnvironment(new URL('./env', import.meta.url).pathname, 'compose.yaml')
  .withClientOptions({ executable: { standalone: true } })
  .withProjectName(project)
  .withWaitStrategy(name('isp'), Wait.forLogMessage(/"listening"/))
  .up();
const up = t() - t0;
let down;
try {
  const client = env.getContainer(name('client'));
  const t1 = t();
  const r = await client.exec(['curl', '-sk', '-m', '5', '-o', '/dev/null', '-w', '%{http_code} %{remote_ip}:%{remote_port}', 'https://site.example/']);
  console.log('exec curl:', r.exitCode, r.output, `${(t() - t1).toFixed(0)}ms`);
  const isp = env.getContainer(name('isp'));
  const logs = await isp.logs();
  let text = '';
  await new Promise((res) => { logs.on('data', (d) => { text += d; if (text.includes('"connection"')) res(); }); setTimeout(res, 3000); });
  logs.destroy?.();
  console.log('isp saw:', text.split('\n').find((l) => l.includes('"connection"'))?.slice(0, 220));
} finally {
  const t2 = t();
  await env.down({ timeout: 1000 });
  down = t() - t2;
}
console.log(JSON.stringify({ upMs: Math.round(up), downMs: Math.round(down) }));
