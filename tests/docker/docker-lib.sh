# Shared by the scripts in tests/docker/ (sourced, not run).
# shellcheck shell=bash

DOCKER="${DOCKER:-docker}"

# Debian's docker.io 20.10 client builds with BuildKit when asked; a newer
# client without the buildx plugin has only the legacy builder. Either builds
# docker/Dockerfile.
docker_has_buildkit() {
  if "$DOCKER" buildx version >/dev/null 2>&1; then return 0; fi
  local major
  major="$("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1)"
  [ -n "$major" ] && [ "$major" -lt 23 ]
}

# docker build with the host's network: the engine here runs with
# --bridge=none, so a build step has no network of its own.
docker_build() {
  if docker_has_buildkit; then
    DOCKER_BUILDKIT=1 "$DOCKER" build --network host "$@"
  else
    # Its deprecation notice is all it prints on stderr for a good build.
    env -u DOCKER_BUILDKIT "$DOCKER" build --network host "$@" 2> >(grep -v -e 'legacy builder' -e buildx >&2)
  fi
}
