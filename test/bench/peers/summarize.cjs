// Summarise a run folder of run.sh: median [min–max] over the rounds for each target, and the
// ratios that the box's targets are stated in (tlslab/direct, tlslab/mitmproxy).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[2];
const runs = fs
  .readFileSync(path.join(dir, 'runs.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
  .filter((r) => r.result);
const targets = ['direct', 'mitmproxy', 'tlslab', 'before', 'floor'].filter((t) => runs.some((r) => r.target === t));
const med = (a) => {
  const b = [...a].sort((x, y) => x - y);
  const m = b.length >> 1;
  return b.length === 0 ? NaN : b.length % 2 ? b[m] : (b[m - 1] + b[m]) / 2;
};
const fmt = (x) => (x == null || Number.isNaN(x) ? 'n/a' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const get = (mode, target, f) =>
  runs
    .filter((r) => r.mode === mode && r.target === target)
    .map(f)
    .filter((x) => x != null && !Number.isNaN(x));
const cell = (v) => (v.length ? `${fmt(med(v))} [${fmt(Math.min(...v))}–${fmt(Math.max(...v))}]` : 'n/a');
const ratio = (mode, f, a, b) => {
  const x = get(mode, a, f),
    y = get(mode, b, f);
  return x.length && y.length ? `${(med(x) / med(y)).toFixed(3)}×` : 'n/a';
};
const rps = (r) => r.result.rps ?? r.result.conns_per_s;
const p50 = (r) => r.result.p50_ms ?? r.result.lat_ms?.p50;
const p99 = (r) => r.result.p99_ms ?? r.result.lat_ms?.p99;
const errs = (r) =>
  r.result.conns_per_s != null
    ? r.result.errors + r.result.non200
    : r.result.err_connect + r.result.err_read + r.result.err_write + r.result.err_status + r.result.err_timeout;
const cpuPerReq = (r) => (r.proxy_cpu_pct * 10) / rps(r);
const n = get('ka', 'direct', rps).length;
const out = [];
// The ratios the box's targets are stated in, and, with the bare Node proxy, how much of the gap is Node's own.
const ratios = [
  ['tlslab', 'direct'],
  ['tlslab', 'mitmproxy'],
  ['floor', 'direct'],
  ['tlslab', 'floor'],
].filter(([a, b]) => targets.includes(a) && targets.includes(b));
const head = `| metric | ${targets.join(' | ')} | ${ratios.map(([a, b]) => `${a} ÷ ${b}`).join(' | ')} |`;
out.push(`Median [min–max] of ${n} rounds, each target in turn within a round.`, '', head, `|${'---|'.repeat(targets.length + ratios.length + 1)}`);
const row = (label, mode, f, withRatio = true) => {
  if (!runs.some((r) => r.mode === mode)) return;
  const cells = targets.map((t) => cell(get(mode, t, f)));
  const rs = ratios.map(([a, b]) => (withRatio ? ratio(mode, f, a, b) : ''));
  out.push(`| ${label} | ${cells.join(' | ')} | ${rs.join(' | ')} |`);
};
row('keep-alive req/s (wrk -c20)', 'ka', rps);
row('keep-alive p50 ms', 'ka', p50);
row('keep-alive p99 ms', 'ka', p99);
row('box CPU ms per keep-alive request', 'ka', (r) => (r.target === 'direct' ? null : cpuPerReq(r)), false);
row('new full-handshake conns/s (wrk + no-resumption shim)', 'newconn-wrk', rps);
row('new full-handshake conns/s (newconn.js)', 'newconn-node', rps);
row('  newconn.js p50 ms (connect → last byte)', 'newconn-node', p50);
row(`${process.env.C500 || 500} connections at once, req/s (wrk -c${process.env.C500 || 500})`, 'c500', rps);
row(`  errors (connect + read + write + status + timeout)`, 'c500', errs, false);
row('box RSS MB after the mode', 'c500', (r) => (r.target === 'direct' ? null : r.proxy_rss_kb / 1024), false);
out.push(
  '',
  'Errors, sum over rounds: ' +
    ['ka', 'newconn-wrk', 'newconn-node', 'c500']
      .filter((m) => runs.some((r) => r.mode === m))
      .map((m) => `${m} ${targets.map((t) => `${t} ${get(m, t, errs).reduce((a, b) => a + b, 0)}`).join(', ')}`)
      .join('; '),
);
const cw = path.join(dir, 'coldwarm.jsonl');
if (fs.existsSync(cw)) {
  out.push(
    '',
    '| first request, one at a time, full handshake | never-seen name ms | cached name ms | extra for a never-seen name (median of pairs) | 8 never-seen names at once: slowest ms (cached: slowest ms) |',
    '|---|---|---|---|---|',
  );
  for (const l of fs.readFileSync(cw, 'utf8').trim().split('\n')) {
    const j = JSON.parse(l);
    const b = j.burst ? `${fmt(j.burst.cold_max_ms)} (${fmt(j.burst.warm_max_ms)})` : 'n/a';
    out.push(`| ${j.label} (n=${j.n}) | ${fmt(j.cold_total_ms.median)} | ${fmt(j.warm_total_ms.median)} | ${fmt(j.cold_minus_warm_ms_median)} | ${b} |`);
  }
}
const rss = path.join(dir, 'rss.jsonl');
if (fs.existsSync(rss))
  out.push(
    '',
    'RSS at the end of the bench: ' +
      fs
        .readFileSync(rss, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((j) => `${j.target} ${fmt(j.rss_kb / 1024)} MB`)
        .join(', '),
  );
console.log(out.join('\n'));
