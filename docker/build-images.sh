#!/usr/bin/env bash
# Builds the lab's one image, tlslab/lab, OFFLINE: no container registry is needed and no
# `docker build` step reaches the network.
#
#   1. tlslab/base: Debian bookworm from debootstrap (minbase) with the lab's packages (the ISP
#      router's iptables/iproute2, curl, openssl, Chromium, certutil, fonts) and this machine's
#      node binary. Only this step fetches Debian packages, from the machine's own Debian mirror.
#      It is cached: rebuilt only when its inputs (package list, node version) change.
#   2. tlslab/lab: docker/Dockerfile FROM tlslab/base, `docker build --network=none`, with a
#      staged context holding the project and the node_modules of the host's `npm ci`.
#
# On a machine with a registry, `docker-compose -f docker/compose.yaml build` builds the same
# image from node:20-bookworm-slim instead (same Dockerfile).
#
# Usage: docker/build-images.sh        (as root; needs docker, debootstrap; run `npm ci` first)
# Env:   TLSLAB_IMAGE_CACHE (default /var/cache/tlslab), TLSLAB_MIRROR (default: the host's apt mirror)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); REPO=$(cd "$HERE/.." && pwd)
CACHE=${TLSLAB_IMAGE_CACHE:-/var/cache/tlslab}
MIRROR=${TLSLAB_MIRROR:-$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE_PKGS=iptables,iproute2,curl,openssl,ca-certificates,procps,iputils-ping,netcat-openbsd,dnsutils
CHROMIUM_PKGS="chromium libnss3-tools fonts-dejavu-core fonts-liberation"
NODE=$(readlink -f "$(command -v node)")

command -v docker >/dev/null || { echo "docker is not installed: apt-get install docker.io docker-compose" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "the Docker engine is not running: start dockerd" >&2; exit 1; }
[ -d "$REPO/node_modules" ] || { echo "run npm ci first: the image takes the project's node_modules" >&2; exit 1; }

SECONDS=0
# --- 1. the base image, cached by the hash of its inputs ---------------------------------------
STAMP=$(printf '%s\n' "$BASE_PKGS" "$CHROMIUM_PKGS" "$("$NODE" --version)" "$(sha256sum "$NODE" | cut -c1-16)" | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{ index .Config.Labels "tlslab.base" }}' tlslab/base 2>/dev/null || true)" = "$STAMP" ]; then
  echo "tlslab/base: up to date ($STAMP)"
else
  ROOTFS=$CACHE/rootfs-$STAMP
  if [ ! -f "$ROOTFS/.tlslab-done" ]; then
    rm -rf "$ROOTFS"; mkdir -p "$ROOTFS"
    echo "tlslab/base: debootstrap bookworm from $MIRROR"
    debootstrap --variant=minbase --include="$BASE_PKGS" bookworm "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
    cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
    mount -t proc proc "$ROOTFS/proc"       # the chromium package's scripts read /proc
    trap 'umount "$ROOTFS/proc" 2>/dev/null || true' EXIT
    echo "tlslab/base: apt-get install $CHROMIUM_PKGS"
    chroot "$ROOTFS" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive chroot "$ROOTFS" apt-get install -y -qq --no-install-recommends $CHROMIUM_PKGS >/dev/null
    chroot "$ROOTFS" apt-get clean
    umount "$ROOTFS/proc"; trap - EXIT       # never tar a mounted /proc
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS/etc/resolv.conf"
    cp "$NODE" "$ROOTFS/usr/local/bin/node"
    touch "$ROOTFS/.tlslab-done"
  fi
  tar -C "$ROOTFS" --exclude=./.tlslab-done -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "LABEL tlslab.base=$STAMP" -c 'CMD ["/bin/bash"]' - tlslab/base >/dev/null
  echo "tlslab/base: built ($STAMP)"
fi

# --- 2. the lab image, offline --------------------------------------------------------------------
CTX=$(mktemp -d); trap 'rm -rf "$CTX" "$CTX.log"' EXIT
# The JavaScript the containers run (src/start.mjs falls back to the TypeScript if it is stale).
(cd "$REPO" && npm run -s build)
tar -C "$REPO" -c package.json package-lock.json tsconfig.json tsconfig.build.json src lab scenarios docker dist node_modules | tar -C "$CTX" -x
# Production dependencies only: the test tools (vitest, testcontainers, typescript) stay on the host.
(cd "$CTX" && npm prune --omit=dev --no-audit --no-fund --offline >/dev/null 2>&1) || { echo "npm prune --omit=dev failed in the image context" >&2; exit 1; }
docker build --network=none -q --build-arg BASE=tlslab/base -t tlslab/lab -f "$HERE/Dockerfile" "$CTX" >"$CTX.log" 2>&1 || { cat "$CTX.log" >&2; exit 1; }
docker image ls tlslab/lab --format 'tlslab/lab: {{.Size}}'
echo "built in ${SECONDS} s"
