#!/bin/sh
# GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
# Site: a self-signed HTTPS server (openssl s_server -www) for SITE_NAME on 443 (and 8443
# for the TPROXY test). The real lab will serve src/sites with certs from the lab's web PKI.
set -eu
cd /tmp
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
  -subj "/CN=${SITE_NAME:?}" -addext "subjectAltName=DNS:${SITE_NAME}" 2>/dev/null
openssl s_server -quiet -accept 8443 -cert cert.pem -key key.pem -www &
exec openssl s_server -quiet -accept 443 -cert cert.pem -key key.pem -www
