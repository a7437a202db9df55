#!/bin/sh
# Builds the probe server (docs/adr/0033-probe-server.md) into native/build/.
# Without FFmpeg's development files (libavformat-dev, libavcodec-dev,
# libavutil-dev and pkg-config) it builds nothing and says so: the worker then
# starts ffprobe per file, as before.
set -eu
cd "$(dirname "$0")"
libraries="libavformat libavcodec libavutil"
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists $libraries; then
  echo "probe-server not built: FFmpeg's development files are missing (the worker will start ffprobe per file)" >&2
  exit 0
fi
mkdir -p build
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
"${CC:-cc}" -O2 -Wall -Wextra -Werror -o build/probe-server.new probe-server.c $(pkg-config --cflags --libs $libraries)
mv build/probe-server.new build/probe-server
