#!/bin/sh
# GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
# ISP router: find which interface is on the home network by its subnet, forward,
# MASQUERADE towards the internet, REDIRECT home TCP 443/80 to the interceptor.
set -eu
HOME_NET=${HOME_NET:-10.89.0.0/24}; HOME_PREFIX=${HOME_NET%.*/*}.
HOME_IF=$(ip -o -4 addr show | awk -v p="$HOME_PREFIX" 'index($4, p) == 1 {print $2; exit}')
INET_IF=$(ip -o -4 addr show | awk -v p="$HOME_PREFIX" '$2 != "lo" && index($4, p) != 1 {print $2; exit}')
echo "{\"event\":\"router\",\"homeIf\":\"$HOME_IF\",\"internetIf\":\"$INET_IF\",\"ip_forward\":$(cat /proc/sys/net/ipv4/ip_forward)}"
# Docker still installs "default via <x>.1" although the bridge has no host address: drop it so
# a connection to a non-lab address fails at once (ENETUNREACH) instead of timing out.
ip route del default 2>/dev/null || true
iptables -t nat -A PREROUTING -i "$HOME_IF" -p tcp --dport 443 -j REDIRECT --to-ports 8443
iptables -t nat -A PREROUTING -i "$HOME_IF" -p tcp --dport 80 -j REDIRECT --to-ports 8443
iptables -t nat -A POSTROUTING -o "$INET_IF" -j MASQUERADE
if [ "${TPROXY:-0}" = 1 ]; then
  # Optional TPROXY path for port 8443 on the sites (proto only): policy-route marked packets locally.
  ip rule add fwmark 1 lookup 100 && ip route add local 0.0.0.0/0 dev lo table 100 && \
  iptables -t mangle -A PREROUTING -i "$HOME_IF" -p tcp --dport 8443 -j TPROXY --on-port 8444 --tproxy-mark 1 \
    || echo '{"event":"tproxy-rules-failed"}'
fi
# Lab DNS on the home side (clients use it through docker's embedded DNS: compose `dns:`).
[ -n "${LAB_HOSTS:-}" ] && node /opt/tlslab-proto/lab-dns.js &
exec node /opt/tlslab-proto/isp.js
