// An app that pins its servers' public keys (the SPKI, as OkHttp and HPKP do): an installed state
// root does not help a box, because the box cannot have the server's key.
//
//   tlslab test --trust web,state -- node examples/node-pinning-client.mjs {url}
//
// A real app compiles its pins in; the lab makes fresh keys every run, so tlslab gives this
// run's pins in the file TLSLAB_PINS_FILE names: {"bank.example": {"spkiSha256": "<base64>"}, …}.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { checkServerIdentity } from 'node:tls';

const url = new URL(process.argv[2]);
const pins = JSON.parse(readFileSync(process.env.TLSLAB_PINS_FILE, 'utf8'));
const pinned = pins[url.hostname].spkiSha256;

const req = https.request(url, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  // Checked during the handshake, before a byte of the request is sent.
  checkServerIdentity(host, cert) {
    const wrong = checkServerIdentity(host, cert);
    if (wrong) return wrong;
    const seen = createHash('sha256').update(cert.pubkey).digest('base64');
    if (seen !== pinned) return new Error(`public key pin mismatch for ${host}: got ${seen}, pinned ${pinned}`);
  },
});
req.on('response', (res) => {
  console.log(res.statusCode, url.href);
  res.resume();
});
req.on('error', (err) => {
  console.error(`${url.hostname}: ${err.message}`);
  process.exit(1);
});
req.end(new URLSearchParams({ username: 'alice', password: 'Almaty-2019!' }).toString());
