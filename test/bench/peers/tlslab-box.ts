/**
 * tlslab's ISP box on its own, in mitmdump's place in the peer benchmark: it listens on one
 * address, treats every connection as bound for the origin (as a REDIRECT rule would), and
 * intercepts the targeted names with forged certificates from a fresh lab state CA, exactly the
 * code `tlslab run` uses (Interceptor, records streamed to a folder, no per-event readout).
 *
 *   node --import tsx test/bench/peers/tlslab-box.ts --listen 127.0.0.3:9445 \
 *     --upstream 127.0.0.1:9443 --upstream-ca root.pem --ca-out state-root.pem
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadStateCaPreset } from '../../../src/scenario/state-ca.ts';
import { Interceptor } from '../../../src/interceptor/interceptor.ts';
import { createLabPki } from '../../../src/pki/lab-pki.ts';
import { InterceptPolicy } from '../../../src/interceptor/policy.ts';

const QAZNET_2019 = loadStateCaPreset('qaznet-2019');

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.3:9445' },
    upstream: { type: 'string', default: '127.0.0.1:9443' },
    'upstream-ca': { type: 'string' },
    'ca-out': { type: 'string' },
    targets: { type: 'string', default: 'bank.example,*.bank.example' },
  },
});
const endpoint = (s: string) => {
  const i = s.lastIndexOf(':');
  return { address: s.slice(0, i), port: Number(s.slice(i + 1)) };
};

const dir = await mkdtemp(join(tmpdir(), 'tlslab-bench-box-'));
const pki = await createLabPki({ dir, profile: QAZNET_2019, siteNames: [] });
const box = new Interceptor({
  pki,
  policy: new InterceptPolicy({
    mode: 'sni-targets',
    targets: values.targets.split(','),
    plainHttp: 'pass',
    upstreamCheck: true,
    validatesUpstream: true,
    installPageHost: 'qca.example',
  }),
  upstreamRoots: values['upstream-ca'] ? [await readFile(values['upstream-ca'], 'utf8')] : undefined,
  recordsDir: join(dir, 'isp'),
});
const upstream = endpoint(values.upstream);
const at = endpoint(values.listen);
await box.listen({ ...at, protocol: 'tls', originalDestination: () => ({ destination: upstream, name: 'bank.example', line: 'bench' }) });
if (values['ca-out']) await writeFile(values['ca-out'], pki.stateRoot.cert.pem);
await pki.warm();
console.log(`tlslab box listening on ${values.listen}, forwarding to ${values.upstream} (pid ${process.pid})`);

const stop = async () => {
  const t = box.records?.totals;
  if (t) console.log(`records: ${t.events} events, ${t.exchanges} exchanges, ${t.keylog} key log lines`);
  await box.close();
  pki.close();
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
