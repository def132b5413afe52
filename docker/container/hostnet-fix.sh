#!/bin/sh
# One-shot, runs with network_mode: host + NET_ADMIN. Docker loads br_netfilter
# (net.bridge.bridge-nf-call-iptables=1), so frames *bridged* on an internal network go
# through the host's FORWARD chain, where DOCKER-ISOLATION-STAGE-1 drops any packet whose
# destination is outside that network's subnet: exactly client -> (next hop isp) -> site.
# Accept only bridged frames (never host-routed ones) between lab addresses, idempotently,
# in whichever iptables backend (nft or legacy) holds docker's DOCKER-USER chain.
# `hostnet-fix.sh remove` takes the rule out again: tlslab runs it when the last lab is down.
set -eu
LAB_NET=${LAB_SUPERNET:-10.89.0.0/16}
RULE="-s $LAB_NET -d $LAB_NET -m physdev --physdev-is-bridged -j ACCEPT"
if [ "${1:-}" = remove ]; then
  for ipt in iptables-nft iptables-legacy; do
    while $ipt -C DOCKER-USER $RULE 2>/dev/null; do $ipt -D DOCKER-USER $RULE; done
  done
  echo '{"event":"hostnet-fix","removed":true}'; exit 0
fi
for ipt in iptables-nft iptables-legacy; do
  if $ipt -S DOCKER-USER >/dev/null 2>&1 && [ "$($ipt -S DOCKER-USER | wc -l)" -gt 1 ]; then
    $ipt -C DOCKER-USER $RULE 2>/dev/null || $ipt -I DOCKER-USER $RULE
    echo "{\"event\":\"hostnet-fix\",\"backend\":\"$ipt\",\"rule\":\"$RULE\"}"; exit 0
  fi
done
echo '{"event":"hostnet-fix","error":"no DOCKER-USER chain found (is dockerd managing iptables?)"}' >&2; exit 1
