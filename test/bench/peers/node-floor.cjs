// The floor for any interceptor written in Node: a bare TLS-terminating, TLS-originating reverse
// proxy (node:https server, keep-alive agent, pipe), with nothing recorded, forged or parsed
// beyond what node:http does. What the box costs over this is the box's own work; what this
// costs over direct is Node's. FLOOR_WORKERS=N runs N processes behind node:cluster.
// Usage: CERT_DIR=certs node node-floor.cjs --listen 127.0.0.5:9447 --upstream 127.0.0.1:9443
'use strict';
const cluster = require('node:cluster');
const https = require('node:https');
const fs = require('node:fs');
const path = require('node:path');

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, arr) => (v.startsWith('--') ? a.concat([[v.slice(2), arr[i + 1]]]) : a), []));
const workers = Number(process.env.FLOOR_WORKERS || 1);
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  });
} else {
  const dir = process.env.CERT_DIR;
  const [host, port] = args.listen.split(':');
  const [upHost, upPort] = args.upstream.split(':');
  const agent = new https.Agent({ keepAlive: true, maxSockets: 128, ca: fs.readFileSync(path.join(dir, 'root.pem')) });
  https
    .createServer({ key: fs.readFileSync(path.join(dir, 'leaf.key')), cert: fs.readFileSync(path.join(dir, 'leaf.pem')) }, (req, res) => {
      const up = https.request(
        {
          host: upHost,
          port: Number(upPort),
          servername: req.headers.host?.split(':')[0] || 'bank.example',
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (r) => {
          res.writeHead(r.statusCode, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    })
    .listen(Number(port), host, () => console.log(`node floor listening on ${args.listen} (pid ${process.pid})`));
}
