// An ordinary Node HTTPS client: the system's roots (NODE_EXTRA_CA_CERTS adds the installed
// state root, as a managed machine would), no pinning.
//
//   tlslab test --trust web,state -- node examples/node-client.mjs {url}
const url = process.argv[2];
try {
  const res = await fetch(new URL('login', url), {
    method: 'POST',
    body: new URLSearchParams({ username: 'alice', password: 'Almaty-2019!' }),
    redirect: 'manual',
  });
  console.log(res.status, url);
} catch (err) {
  console.error(`${url}: ${err.cause?.message ?? err.message}`);
  process.exit(1);
}
