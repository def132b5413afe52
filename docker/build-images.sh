#!/usr/bin/env bash
# Builds the lab's two images OFFLINE: no container registry is needed and no `docker build`
# step reaches the network.
#
#   1. tlslab/base: Debian bookworm from debootstrap (minbase) with the lab's packages (the ISP
#      router's iptables/iproute2, curl, openssl, the shell's tools) and this machine's node
#      binary; beside it, the .deb files of Chromium, certutil and fonts (downloaded, not
#      installed). Only this step fetches Debian packages, from the machine's own Debian mirror.
#      Cached: rebuilt only when its inputs (package lists, node version) change.
#   2. tlslab/base-browser: tlslab/base plus those .deb files installed (`dpkg -i`, offline).
#   3. tlslab/lab and tlslab/browser: docker/Dockerfile FROM each base, `docker build
#      --network=none`, with a staged context holding the containers' bundled code and the one
#      package it leaves out. Only the browsing subscribers run tlslab/browser.
#
# On a machine with a registry, `docker-compose -f docker/compose.yaml build` builds the same
# images from node:20-bookworm-slim instead (same Dockerfile).
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
label() { docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }
# --- 1. the base image and the browser's packages, cached by the hash of their inputs ----------
STAMP=$(printf '%s\n' 2 "$BASE_PKGS" "$CHROMIUM_PKGS" "$("$NODE" --version)" "$(sha256sum "$NODE" | cut -c1-16)" | sha256sum | cut -c1-16)
ROOTFS=$CACHE/rootfs-$STAMP
DEBS=$CACHE/debs-$STAMP
if [ "$(label tlslab/base tlslab.base)" = "$STAMP" ] && [ -f "$DEBS/.tlslab-done" ]; then
  echo "tlslab/base: up to date ($STAMP)"
else
  if [ ! -f "$ROOTFS/.tlslab-done" ] || [ ! -f "$DEBS/.tlslab-done" ]; then
    rm -rf "$ROOTFS" "$DEBS"; mkdir -p "$ROOTFS" "$DEBS"
    echo "tlslab/base: debootstrap bookworm from $MIRROR"
    debootstrap --variant=minbase --include="$BASE_PKGS" bookworm "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
    cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
    echo "tlslab/base: apt-get download $CHROMIUM_PKGS (and what they need)"
    chroot "$ROOTFS" apt-get update -qq
    chroot "$ROOTFS" apt-get install -y -qq --download-only --no-install-recommends $CHROMIUM_PKGS >/dev/null
    mv "$ROOTFS"/var/cache/apt/archives/*.deb "$DEBS/"
    chroot "$ROOTFS" apt-get clean
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/locale/* "$ROOTFS/etc/resolv.conf"
    cp "$NODE" "$ROOTFS/usr/local/bin/node"
    touch "$ROOTFS/.tlslab-done" "$DEBS/.tlslab-done"
  fi
  tar -C "$ROOTFS" --exclude=./.tlslab-done -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "LABEL tlslab.base=$STAMP" -c 'CMD ["/bin/bash"]' - tlslab/base >/dev/null
  echo "tlslab/base: built ($STAMP)"
fi

# --- 2. the browser's base: the downloaded packages installed, offline ------------------------------
if [ "$(label tlslab/base-browser tlslab.base)" = "$STAMP" ]; then
  echo "tlslab/base-browser: up to date ($STAMP)"
else
  cat >"$DEBS/Dockerfile" <<DOCKERFILE
FROM tlslab/base
COPY *.deb /tmp/debs/
# dpkg in one pass cannot order a pre-dependency (systemd-sysv on systemd): a second pass
# installs what the first could not (apt would order it, but rejects epoch file names).
# The chromium package's scripts read /proc, which a build step has.
RUN for pass in 1 2 3; do dpkg -i --skip-same-version /tmp/debs/*.deb >/dev/null 2>&1 && break; done; \\
    dpkg --configure -a && rm -rf /tmp/debs /usr/share/doc/* /usr/share/man/* && chromium --version
LABEL tlslab.base=$STAMP
DOCKERFILE
  docker build --network=none -q -t tlslab/base-browser "$DEBS" >"$CACHE/base-browser.log" 2>&1 || { tail -30 "$CACHE/base-browser.log" >&2; exit 1; }
  echo "tlslab/base-browser: built ($STAMP)"
fi

# --- 3. the lab's images, offline -------------------------------------------------------------------
CTX=$(mktemp -d); trap 'rm -rf "$CTX" "$CTX.log"' EXIT
# What the containers run: the bundle of their code (dist/container, docker/bundle-container-code.mjs),
# the scenarios the key maker reads, the shell scripts in docker/, and the one package the bundle
# leaves out (playwright-core, Chromium's driver). Not the TypeScript, not the rest of node_modules.
(cd "$REPO" && npm run -s build)
tar -C "$REPO" -c package.json scenarios docker dist/container dist/.built node_modules/playwright-core | tar -C "$CTX" -x
docker build --network=none -q --build-arg BASE=tlslab/base -t tlslab/lab -f "$HERE/Dockerfile" "$CTX" >"$CTX.log" 2>&1 || { cat "$CTX.log" >&2; exit 1; }
docker build --network=none -q --build-arg BASE=tlslab/base-browser --build-arg BROWSER=1 -t tlslab/browser -f "$HERE/Dockerfile" "$CTX" >"$CTX.log" 2>&1 || { cat "$CTX.log" >&2; exit 1; }
docker image ls --format '{{.Repository}}: {{.Size}}' | grep -E '^tlslab/(lab|browser):'
echo "built in ${SECONDS} s"
