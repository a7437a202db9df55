#!/usr/bin/env bash
# `docker build` as the Docker test runs it: the host's network, BuildKit when
# the client has it. Arguments go to docker build, e.g.
#   tests/docker/build.sh -f docker/Dockerfile --target api -t ffmpeg-converter-api .
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/docker-lib.sh"
docker_build "$@"
