// GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
// Minimal lab DNS (UDP): answers A queries for the lab's names from LAB_HOSTS
// ("name=ip,name=ip"), NXDOMAIN for everything else (nothing resolves outside the lab).
'use strict';
const dgram = require('dgram');
const hosts = new Map((process.env.LAB_HOSTS || '').split(',').filter(Boolean)
  .map((kv) => kv.split('=')).map(([n, ip]) => [n.toLowerCase(), ip]));
const sock = dgram.createSocket('udp4');
sock.on('message', (q, rinfo) => {
  if (q.length < 12) return;
  let off = 12; const labels = [];
  while (off < q.length && q[off] !== 0) { labels.push(q.subarray(off + 1, off + 1 + q[off]).toString('latin1')); off += q[off] + 1; }
  const qEnd = off + 5; // zero byte + QTYPE + QCLASS
  const name = labels.join('.').toLowerCase(); const qtype = q.readUInt16BE(off + 1);
  const ip = hosts.get(name);
  const header = Buffer.alloc(12); q.copy(header, 0, 0, 2);
  const answer = ip && qtype === 1;
  header.writeUInt16BE(0x8400 | (q.readUInt16BE(2) & 0x0100) | (ip ? 0 : 3), 2); // QR AA RD, NXDOMAIN if unknown
  header.writeUInt16BE(1, 4); header.writeUInt16BE(answer ? 1 : 0, 6);
  const parts = [header, q.subarray(12, qEnd)];
  if (answer) {
    const rr = Buffer.alloc(16); rr.writeUInt16BE(0xc00c, 0); rr.writeUInt16BE(1, 2); rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6); rr.writeUInt16BE(4, 10); ip.split('.').forEach((b, i) => { rr[12 + i] = +b; });
    parts.push(rr);
  }
  sock.send(Buffer.concat(parts), rinfo.port, rinfo.address);
  process.stdout.write(JSON.stringify({ event: 'dns', from: rinfo.address, name, qtype, answer: answer ? ip : null }) + '\n');
});
sock.bind(53, '0.0.0.0');
