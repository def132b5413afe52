#!/usr/bin/env bash
# GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
# Builds `tlslab/base-chromium`: a copy of the tlslab/base rootfs (docker/build-base.sh) with
# Debian's chromium installed by `chroot apt-get` (network needed HERE only, like debootstrap),
# so the Chromium client image can later be built with `docker build --network=none`.
# Usage: sudo docker/build-base-chromium.sh [BASE_ROOTFS] [OUT_ROOTFS]
set -euo pipefail
BASE=${1:-/var/cache/tlslab/rootfs}
R=${2:-/var/cache/tlslab/rootfs-chromium}
[ -f "$BASE/.tlslab-done" ] || { echo "run docker/build-base.sh first" >&2; exit 1; }
rm -rf "$R"; cp -a "$BASE" "$R"
cp /etc/resolv.conf "$R/etc/resolv.conf"
mount -t proc proc "$R/proc"
cleanup() { umount "$R/proc" 2>/dev/null || true; }
trap cleanup EXIT
time chroot "$R" apt-get update -qq
time DEBIAN_FRONTEND=noninteractive chroot "$R" apt-get install -y -qq --no-install-recommends \
  chromium libnss3-tools fonts-dejavu-core >/dev/null
chroot "$R" chromium --version
chroot "$R" apt-get clean
cleanup                                   # never tar a mounted /proc
rm -rf "$R"/var/lib/apt/lists/* "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R/etc/resolv.conf"
du -sh --exclude=./proc "$R"
time (tar -C "$R" --exclude=./.tlslab-done -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["/bin/bash"]' - tlslab/base-chromium)
docker image ls tlslab/base-chromium
