// First request to a never-seen SNI name vs. a name the proxy has already
// seen. For i = 1..N: name = <tag>-<i>.bank.example; do one fresh TLS
// connection + GET (cold), then immediately the same again (warm), one at a
// time (no other load). Every connection is a full handshake (no session
// reuse), so cold - warm ~= the proxy's per-name cost (cert generation).
// Usage: node coldwarm.js --connect 127.0.0.2:9444 --ca mitmproxy-ca-cert.pem [--n 30] [--label mitm]
'use strict';
const tls = require('node:tls');
const fs = require('node:fs');

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, arr) => (v.startsWith('--') ? a.concat([[v.slice(2), arr[i + 1]]]) : a), []));
const [ip, port] = args.connect.split(':');
const ca = fs.readFileSync(args.ca);
const N = Number(args.n || 30);
const tag = args.tag || `cw${Date.now().toString(36)}`;

function once(servername) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let tHs = 0n,
      buf = Buffer.alloc(0),
      need = -1,
      status = 0,
      done = false;
    const s = tls.connect({ host: ip, port: Number(port), servername, ca, rejectUnauthorized: true });
    s.once('secureConnect', () => {
      tHs = process.hrtime.bigint();
      s.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (need < 0) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        const head = buf.subarray(0, i).toString('latin1');
        status = Number(head.split(' ', 2)[1]);
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        need = i + 4 + (m ? Number(m[1]) : 0);
      }
      if (buf.length >= need && !done) {
        done = true;
        const end = process.hrtime.bigint();
        s.destroy();
        if (status !== 200) return reject(new Error(`status ${status}`));
        resolve({ total: Number(end - start) / 1e6, hs: Number(tHs - start) / 1e6 });
      }
    });
    s.on('error', (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
    s.on('close', () => {
      if (!done) {
        done = true;
        reject(new Error('closed early'));
      }
    });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const med = (a) => {
  const b = [...a].sort((x, y) => x - y);
  const m = b.length >> 1;
  return b.length % 2 ? b[m] : (b[m - 1] + b[m]) / 2;
};
const r3 = (x) => Math.round(x * 1000) / 1000;

(async () => {
  await once('warmup.bank.example');
  await once('warmup.bank.example'); // JIT/socket warm-up
  const cold = [],
    warm = [],
    diff = [];
  for (let i = 1; i <= N; i++) {
    const name = `${tag}-${i}.bank.example`;
    await sleep(50);
    const c = await once(name);
    await sleep(50);
    const w = await once(name);
    cold.push(c);
    warm.push(w);
    diff.push(c.total - w.total);
  }
  // Several never-seen names at once: does any request wait on another's certificate?
  const B = Number(args.burst || 0);
  let burst = null;
  if (B > 0) {
    await sleep(100);
    const all = await Promise.all(Array.from({ length: B }, (_, i) => once(`${tag}-burst-${i}.bank.example`)));
    const warmAll = await Promise.all(Array.from({ length: B }, (_, i) => once(`${tag}-burst-${i}.bank.example`)));
    burst = {
      n: B,
      cold_max_ms: r3(Math.max(...all.map((x) => x.total))),
      cold_median_ms: r3(med(all.map((x) => x.total))),
      warm_max_ms: r3(Math.max(...warmAll.map((x) => x.total))),
    };
  }
  console.log(
    JSON.stringify({
      label: args.label || `${ip}:${port}`,
      n: N,
      burst,
      cold_total_ms: {
        median: r3(med(cold.map((x) => x.total))),
        min: r3(Math.min(...cold.map((x) => x.total))),
        max: r3(Math.max(...cold.map((x) => x.total))),
      },
      warm_total_ms: {
        median: r3(med(warm.map((x) => x.total))),
        min: r3(Math.min(...warm.map((x) => x.total))),
        max: r3(Math.max(...warm.map((x) => x.total))),
      },
      cold_handshake_ms_median: r3(med(cold.map((x) => x.hs))),
      warm_handshake_ms_median: r3(med(warm.map((x) => x.hs))),
      cold_minus_warm_ms_median: r3(med(diff)),
    }),
  );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
