// GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
// Prototype ISP box: accepts connections redirected by iptables (REDIRECT → :8443, and
// optionally TPROXY → :8444), finds the original destination in several ways, prints one
// JSON line per connection on stdout (what the real interceptor's event stream will look
// like), then splices the bytes to the original destination (pass-through).
'use strict';
const net = require('net');
const fs = require('fs');
const { execFileSync } = require('child_process');
const addon = require('./original-dst/original_dst.node');

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const emit = (o) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');

function fromProcConntrack(c) {
  // /proc/net/nf_conntrack line: ... src=C dst=D sport=CP dport=DP ... (first tuple = original)
  const text = fs.readFileSync('/proc/net/nf_conntrack', 'utf8');
  for (const line of text.split('\n')) {
    if (!line.includes(` src=${c.remoteAddress} `) || !line.includes(` sport=${c.remotePort} `)) continue;
    const m = / src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/.exec(line);
    if (m && m[1] === c.remoteAddress && m[3] === String(c.remotePort)) return { address: m[2], port: +m[4] };
  }
  return null;
}

function fromConntrackCli(c) {
  const out = execFileSync('conntrack', ['-L', '-p', 'tcp', '--orig-src', c.remoteAddress,
    '--orig-port-src', String(c.remotePort)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = / dst=(\S+) sport=\d+ dport=(\d+)/.exec(out);
  return m ? { address: m[1], port: +m[2] } : null;
}

function measure(name, fn) {
  const t0 = process.hrtime.bigint();
  try { const r = fn(); return { name, result: r, ms: +ms(t0).toFixed(3) }; }
  catch (e) { return { name, error: String(e.message).split('\n')[0], ms: +ms(t0).toFixed(3) }; }
}

function handle(mode) {
  return (c) => {
    c.pause();
    const client = { address: c.remoteAddress, port: c.remotePort };
    const local = { address: c.localAddress, port: c.localPort };
    const methods = mode === 'tproxy'
      ? [measure('tproxy-localAddress', () => local)]
      : [measure('SO_ORIGINAL_DST', () => addon.originalDst(c._handle.fd)),
         measure('/proc/net/nf_conntrack', () => fromProcConntrack(c)),
         measure('conntrack-cli', () => fromConntrackCli(c))];
    const dst = methods.find((m) => m.result)?.result;
    emit({ event: 'connection', mode, client, local, originalDst: dst, methods });
    if (!dst) return c.destroy();
    const up = net.connect(dst.port, dst.address, () => { c.pipe(up); up.pipe(c); c.resume(); });
    up.on('error', (e) => { emit({ event: 'upstream-error', client, error: e.message }); c.destroy(); });
    c.on('error', () => up.destroy());
    c.on('close', () => emit({ event: 'close', client, bytesIn: c.bytesRead, bytesOut: c.bytesWritten }));
  };
}

net.createServer(handle('redirect')).listen(8443, '0.0.0.0', () => emit({ event: 'listening', port: 8443, mode: 'redirect' }));
if (process.env.TPROXY === '1') {
  const s = net.createServer(handle('tproxy'));
  s.listen(8444, '0.0.0.0', () => {
    try { addon.setIntSockopt(s._handle.fd, 0 /* SOL_IP */, 19 /* IP_TRANSPARENT */, 1);
      emit({ event: 'listening', port: 8444, mode: 'tproxy' }); }
    catch (e) { emit({ event: 'tproxy-unavailable', error: e.message }); }
  });
}
