#!/usr/bin/env bash
# GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
# Builds, offline (`docker build --network=none`), FROM the imported bases (docker/build-base.sh,
# docker/build-base-chromium.sh):
#   tlslab/node            tlslab/base + the host's node + proto app + SO_ORIGINAL_DST addon
#   tlslab/app             (--app) tlslab/node + the repo's runtime files + node_modules (host `npm ci`)
#   tlslab/{node,app}-chromium  (--chromium) the same FROM tlslab/base-chromium
# The addon is compiled here with node-gyp against the host's Node headers (nodedir=/usr, offline).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); REPO=$(cd "$HERE/.." && pwd)
APP=0; CHROMIUM=0
for a in "$@"; do case $a in --app) APP=1;; --chromium) APP=1; CHROMIUM=1;; *) echo "unknown $a" >&2; exit 2;; esac; done
CTX=$(mktemp -d); APPCTX=$(mktemp -d); trap 'rm -rf "$CTX" "$APPCTX"' EXIT
NODE=$(readlink -f "$(command -v node)")
NODE_GYP=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js
( cd "$HERE/proto/original-dst" && node "$NODE_GYP" rebuild --nodedir="${NODEDIR:-/usr}" >"$CTX/gyp.log" 2>&1 ) \
  || { cat "$CTX/gyp.log" >&2; exit 1; }
rm -f "$CTX/gyp.log"
cp "$NODE" "$CTX/node"
mkdir -p "$CTX/app/original-dst"
cp "$HERE"/proto/*.js "$HERE"/proto/*.sh "$CTX/app/"
cp "$HERE/proto/original-dst/build/Release/original_dst.node" "$CTX/app/original-dst/"
if [ $APP = 1 ]; then
  mkdir -p "$APPCTX/app"
  tar -C "$REPO" -c package.json package-lock.json tsconfig.json src lab scenarios node_modules \
    | tar -C "$APPCTX/app" -x
fi
build() { # suffix base
  time docker build --network=none -q --build-arg BASE="$2" -t "tlslab/node$1" -f "$HERE/Dockerfile.node" "$CTX"
  if [ $APP = 1 ]; then
    time docker build --network=none -q --build-arg NODE_IMAGE="tlslab/node$1" -t "tlslab/app$1" \
      -f "$HERE/Dockerfile.app" "$APPCTX"
  fi
}
build "" tlslab/base
[ $CHROMIUM = 1 ] && build -chromium tlslab/base-chromium
docker image ls 'tlslab/*'
