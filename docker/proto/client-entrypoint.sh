#!/bin/sh
# GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
# Client: default route via the ISP (needs NET_ADMIN in this container), then idle; the
# runtime drives it with `docker exec`.
set -eu
ip route replace default via "${ISP_IP:?}"
exec sleep infinity
