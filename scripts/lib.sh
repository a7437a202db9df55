# Shared by scripts/server and scripts/test: make a fresh Debian machine with
# Node.js ready to run the project, installing only what is missing.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_updated=0
apt_install() {
  is_root || return 1
  command -v apt-get >/dev/null || return 1
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

load_env_file() {
  # .env is optional; variables already in the environment win.
  if [ -f "$ROOT/.env" ]; then
    while IFS='=' read -r key value || [ -n "$key" ]; do
      [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
      # KEY="value" and KEY='value' mean value, as in other .env readers.
      if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
      [ -n "${!key+x}" ] || export "$key=$value"
    done < "$ROOT/.env"
  fi
}

ensure_node() {
  command -v node >/dev/null || die "Node.js 20 or newer is required: https://nodejs.org (or apt-get install nodejs)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js 20 or newer is required (found $(node --version))"
}

ensure_pnpm() {
  local wanted
  wanted="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
  if command -v pnpm >/dev/null && [ "$(pnpm --version 2>/dev/null)" = "$wanted" ]; then
    PNPM=(pnpm)
    return
  fi
  # A project-local copy needs no root and never touches a global pnpm.
  if [ ! -x "$ROOT/.tools/node_modules/.bin/pnpm" ] ||
    [ "$("$ROOT/.tools/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$wanted" ]; then
    say "installing pnpm $wanted into .tools/"
    npm install --silent --no-save --no-audit --no-fund --prefix "$ROOT/.tools" "pnpm@$wanted" >&2 ||
      die "could not install pnpm $wanted from the npm registry"
  fi
  PNPM=("$ROOT/.tools/node_modules/.bin/pnpm")
  # turbo runs each package's script through the `pnpm` it finds on PATH.
  export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
}

ensure_ffmpeg() {
  local ffmpeg="${FFMPEG_PATH:-ffmpeg}" ffprobe="${FFPROBE_PATH:-ffprobe}"
  if command -v "$ffmpeg" >/dev/null && command -v "$ffprobe" >/dev/null; then return; fi
  say "ffmpeg is missing: installing it with apt-get"
  apt_install ffmpeg || die "ffmpeg and ffprobe are required: install them (Debian/Ubuntu: sudo apt-get install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH"
}

# The worker's probe server (docs/adr/0033-probe-server.md) is compiled against
# FFmpeg's libraries. Without their development files the build skips it and
# the worker starts ffprobe per file, as before: `ensure_ffmpeg_dev say` goes
# on, `ensure_ffmpeg_dev die` (the tests, which test the server) stops.
ensure_ffmpeg_dev() {
  local or="${1:-say}"
  if command -v cc >/dev/null && command -v pkg-config >/dev/null &&
    pkg-config --exists libavformat libavcodec libavutil; then
    return
  fi
  say "FFmpeg's development files are missing (the worker's probe server): installing them with apt-get"
  apt_install gcc libc6-dev pkg-config libavformat-dev libavcodec-dev libavutil-dev ||
    "$or" "could not install FFmpeg's development files (Debian/Ubuntu: sudo apt-get install gcc pkg-config libavformat-dev libavcodec-dev libavutil-dev); without them the worker starts ffprobe per file"
}

# "v20.20.2" from PREFIX/include/node/node_version.h
header_version() {
  printf 'v%s' "$(sed -n 's/^#define NODE_\(MAJOR\|MINOR\|PATCH\)_VERSION \([0-9]*\)$/\2/p' "$1/include/node/node_version.h" | paste -sd.)"
}

ensure_dependencies() {
  # better-sqlite3 builds a native addon; without internet node-gyp must use
  # headers already on disk instead of downloading them: those next to the
  # running node binary (official tarballs ship them), else Debian's nodejs
  # headers when they are for this very Node version.
  if [ -z "${npm_config_nodedir:-}" ]; then
    local prefix node_version
    prefix="$(dirname "$(dirname "$(command -v node)")")"
    node_version="$(node --version)"
    if [ -f "$prefix/include/node/node_version.h" ] && [ "$(header_version "$prefix")" = "$node_version" ]; then
      export npm_config_nodedir="$prefix"
    elif [ -f /usr/include/node/node_version.h ] && [ "$(header_version /usr)" = "$node_version" ]; then
      export npm_config_nodedir=/usr
    fi
  fi
  say "installing node modules (pnpm install --frozen-lockfile)"
  CI=true "${PNPM[@]}" install --frozen-lockfile --reporter=append-only >&2 || die "pnpm install failed"
}

build() {
  say "building (tsc -b through turbo)"
  TURBO_TELEMETRY_DISABLED=1 "${PNPM[@]}" exec turbo run build --output-logs=errors-only >&2 || die "build failed"
}

# The media-fuzzing test mutates files with Debian's zzuf; without it the test
# falls back to its own seeded bit flipper, so a missing zzuf is not fatal.
ensure_zzuf() {
  command -v zzuf >/dev/null && return
  say "zzuf is missing (media fuzzing): installing it with apt-get"
  apt_install zzuf || say "could not install zzuf: media fuzzing uses its built-in bit flipper"
}

# The documentation examples (README, API_DOCUMENTATION.md) keep ids from answers with jq.
ensure_jq() {
  command -v jq >/dev/null && return
  say "jq is missing (the documentation examples use it): installing it with apt-get"
  apt_install jq || die "the documentation examples need jq: install it (Debian: sudo apt-get install jq)"
}

# The page tests drive Debian's Chromium through playwright-core (no browser download).
ensure_chromium() {
  local chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  [ -x "$chromium" ] && return
  say "chromium is missing (browser tests of /docs and /admin/queues): installing it with apt-get"
  apt_install chromium || die "the page tests need Chromium: install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH"
}

# The separate-hosts test (tests/e2e/separate-hosts.e2e.test.ts) puts workers
# in network namespaces with iproute2's `ip`; without it (or without root) the
# test is skipped with the reason printed, so a missing ip is not fatal.
ensure_iproute2() {
  command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] && return
  say "iproute2 is missing (workers on separate hosts in the tests): installing it with apt-get"
  apt_install iproute2 || say "could not install iproute2: the separate-hosts test will be skipped"
}

redis_url() { printf '%s' "${REDIS_URL:-redis://127.0.0.1:6379}"; }

redis_ping() {
  local url
  url="$(redis_url)"
  if command -v redis-cli >/dev/null; then
    [ "$(timeout 3 redis-cli -u "$url" ping 2>/dev/null)" = "PONG" ]
    return
  fi
  node -e '
    const u = new URL(process.argv[1]);
    const s = require("net").connect(Number(u.port || 6379), u.hostname, () => s.write("PING\r\n"));
    s.setTimeout(2000, () => process.exit(1));
    s.on("data", d => process.exit(String(d).startsWith("+PONG") ? 0 : 1));
    s.on("error", () => process.exit(1));' "$url"
}

# Starts a private Redis (append-only file under ./data/redis, so queued jobs
# survive a restart) when none answers at REDIS_URL on this machine.
ensure_redis() {
  redis_ping && return
  local url host port
  url="$(redis_url)"
  host="$(node -p 'new URL(process.argv[1]).hostname' "$url")"
  port="$(node -p 'new URL(process.argv[1]).port || 6379' "$url")"
  case "$host" in
    127.0.0.1 | localhost | "[::1]") ;;
    *) die "Redis does not answer at $url; start it or point REDIS_URL at one" ;;
  esac
  if ! command -v redis-server >/dev/null; then
    say "redis-server is missing: installing it with apt-get"
    apt_install redis-server || die "Redis does not answer at $url and redis-server is not installed (Debian/Ubuntu: sudo apt-get install redis-server)"
  fi
  mkdir -p "$ROOT/data/redis"
  PRIVATE_REDIS_PORT="$port"
  say "starting a private redis-server on port $port (data in ./data/redis)"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$ROOT/data/redis" --daemonize yes \
    --pidfile "$ROOT/data/redis/redis.pid" --logfile "$ROOT/data/redis/redis.log" \
    --appendonly yes --save "" --maxmemory-policy noeviction >&2 || die "redis-server failed to start"
  for _ in $(seq 1 50); do redis_ping && return; sleep 0.1; done
  die "redis-server started but does not answer at $url (see data/redis/redis.log)"
}

# Stops the private redis-server ensure_redis started, if it started one. Its
# append-only file stays in ./data/redis, so queued jobs are there next time.
stop_private_redis() {
  [ -n "${PRIVATE_REDIS_PORT:-}" ] || return 0
  if command -v redis-cli >/dev/null; then
    redis-cli -p "$PRIVATE_REDIS_PORT" shutdown >/dev/null 2>&1 && return 0
  fi
  [ -f "$ROOT/data/redis/redis.pid" ] && kill "$(cat "$ROOT/data/redis/redis.pid")" 2>/dev/null
  return 0
}

# The Docker test (tests/docker/) builds the images and runs compose.yaml: it
# needs an engine, Compose (v2 plugin or Debian's docker-compose v1) and, to
# make its base images without a registry, debootstrap. Installs what is
# missing (Debian's docker.io, docker-compose, debootstrap) and starts a
# dockerd when none answers (tests/docker/engine.sh). DOCKER_TESTS=0 skips it.
ensure_docker() {
  [ "${DOCKER_TESTS:-1}" = 0 ] && { say "DOCKER_TESTS=0: skipping the Docker test"; return; }
  local missing=() docker="${DOCKER:-docker}"
  if ! "$docker" info >/dev/null 2>&1; then
    command -v dockerd >/dev/null || missing+=(docker.io)
  fi
  command -v "$docker" >/dev/null || missing+=(docker.io)
  if ! "$docker" compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
    missing+=(docker-compose)
  fi
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "the Docker test needs ${missing[*]}: installing with apt-get"
    # shellcheck disable=SC2046 # word splitting of the de-duplicated list is wanted
    apt_install $(printf '%s\n' "${missing[@]}" | sort -u) ||
      die "the Docker test needs Docker (engine and Compose) and debootstrap: install them (Debian: sudo apt-get install docker.io docker-compose debootstrap), or set DOCKER_TESTS=0 to skip it"
  fi
  local pid
  pid="$("$ROOT/tests/docker/engine.sh")" || die "no Docker engine answers and none could be started (see above)"
  if [ -n "$pid" ]; then
    PRIVATE_DOCKERD_PID="$pid"
    say "started dockerd (pid $pid, --iptables=false --bridge=none, data in ${DOCKER_DATA_ROOT:-/var/lib/docker-ffc})"
  fi
}

# Stops the dockerd ensure_docker started, if it started one. Its images stay
# in its data root: the next run's build cache.
stop_private_dockerd() {
  [ -n "${PRIVATE_DOCKERD_PID:-}" ] || return 0
  kill -TERM "$PRIVATE_DOCKERD_PID" 2>/dev/null || return 0
  for _ in $(seq 1 60); do
    kill -0 "$PRIVATE_DOCKERD_PID" 2>/dev/null || return 0
    sleep 0.5
  done
  return 0
}
