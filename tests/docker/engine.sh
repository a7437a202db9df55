#!/usr/bin/env bash
# Makes sure a Docker engine answers. When none does and this runs as root
# with Debian's docker.io installed, starts one in the background:
#   dockerd --iptables=false --bridge=none --data-root $DOCKER_DATA_ROOT
# No firewall rules and no default bridge, so the host's network is left as
# it is; containers talk over the compose project's own network, and builds
# use the host's network (tests/docker/build.sh). It keeps running afterwards
# (its images are the next run's cache); scripts/test stops one it started.
# Prints the pid of a dockerd it started, nothing otherwise.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/docker-lib.sh"
DATA_ROOT="${DOCKER_DATA_ROOT:-/var/lib/docker-ffc}"
LOG="${DOCKERD_LOG:-/var/log/dockerd-ffc.log}"

"$DOCKER" info >/dev/null 2>&1 && exit 0
[ "$(id -u)" = 0 ] || { echo "engine.sh: no Docker engine answers and only root may start dockerd" >&2; exit 1; }
command -v dockerd >/dev/null || { echo "engine.sh: dockerd is missing (apt-get install docker.io)" >&2; exit 1; }
if pgrep -x dockerd >/dev/null; then
  # One is starting (or stuck): wait for it rather than start a second.
  for _ in $(seq 1 60); do "$DOCKER" info >/dev/null 2>&1 && exit 0; sleep 1; done
  echo "engine.sh: a dockerd runs but does not answer; see its log" >&2
  exit 1
fi
mkdir -p "$DATA_ROOT" "$(dirname "$LOG")"
setsid dockerd --iptables=false --bridge=none --data-root "$DATA_ROOT" >>"$LOG" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 120); do
  if "$DOCKER" info >/dev/null 2>&1; then
    echo "$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
echo "engine.sh: dockerd did not come up; the end of $LOG:" >&2
tail -20 "$LOG" >&2
exit 1
