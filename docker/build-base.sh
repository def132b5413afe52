#!/usr/bin/env bash
# GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
# Builds the offline base image `tlslab/base` from a debootstrapped Debian bookworm
# (no container registry needed: only Debian packages are fetched, at debootstrap time).
# Everything the lab needs at run time is installed INTO the rootfs here, so that later
# `docker build --network=none` steps never reach the network.
#
# Usage: sudo docker/build-base.sh [ROOTFS_DIR]      (default /var/cache/tlslab/rootfs)
# Env:   TLSLAB_MIRROR (default: the first URIs: of /etc/apt/sources.list.d/debian.sources,
#        else http://deb.debian.org/debian), TLSLAB_REBUILD_ROOTFS=1 to redo debootstrap.
set -euo pipefail
ROOTFS=${1:-/var/cache/tlslab/rootfs}
MIRROR=${TLSLAB_MIRROR:-$(awk '/^URIs:/ && $2 ~ /\/debian$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
# iptables (nft backend) + iproute2: the ISP router; conntrack: original destination lookups
# and debugging; curl/openssl/ca-certificates: real clients; dumb-init not needed (compose init: true).
PKGS=iptables,iproute2,curl,openssl,ca-certificates,conntrack,procps,iputils-ping,netcat-openbsd

if [ ! -f "$ROOTFS/.tlslab-done" ] || [ "${TLSLAB_REBUILD_ROOTFS:-}" = 1 ]; then
  rm -rf "$ROOTFS"; mkdir -p "$ROOTFS"
  time debootstrap --variant=minbase --include="$PKGS" bookworm "$ROOTFS" "$MIRROR"
  # Trim: apt lists, caches, docs, man pages (the image never runs apt again).
  chroot "$ROOTFS" apt-get clean
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* \
         "$ROOTFS"/usr/share/locale/* "$ROOTFS"/var/cache/debconf/*-old
  touch "$ROOTFS/.tlslab-done"
fi
du -sh "$ROOTFS"
time (tar -C "$ROOTFS" --exclude=./.tlslab-done -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["/bin/bash"]' - tlslab/base)
docker image ls tlslab/base
