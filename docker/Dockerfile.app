# GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
# tlslab/app: tlslab/node + the project (src, lab, scenarios, package.json, node_modules from
# the host's `npm ci`), so the ISP, sites and scripted clients run the real tlslab code.
# Offline: `docker build --network=none`; context staged by docker/build-images.sh --app.
ARG NODE_IMAGE=tlslab/node
FROM ${NODE_IMAGE}
COPY app/ /opt/tlslab/
WORKDIR /opt/tlslab
RUN node src/cli/tlslab.mjs --help >/dev/null
ENV PATH=/opt/tlslab/node_modules/.bin:$PATH
