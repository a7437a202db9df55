#!/bin/sh
# Builds the worker's two helpers into native/build/:
# - ffmpeg-spawner (docs/adr/0040-ffmpeg-spawner.md), which needs only a C
#   compiler; without one the worker starts ffmpeg with Node's spawn.
# - probe-server (docs/adr/0033-probe-server.md), which also needs FFmpeg's
#   development files (libavformat-dev, libavcodec-dev, libavutil-dev and
#   pkg-config); without them the worker starts ffprobe per file.
# A helper that cannot be built is skipped, with a line that says so.
set -eu
cd "$(dirname "$0")"
CC="${CC:-cc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "ffmpeg-spawner and probe-server not built: no C compiler (the worker will start ffmpeg with Node and ffprobe per file)" >&2
  exit 0
fi
mkdir -p build
"$CC" -O2 -Wall -Wextra -Werror -o build/ffmpeg-spawner.new ffmpeg-spawner.c
mv build/ffmpeg-spawner.new build/ffmpeg-spawner

libraries="libavformat libavcodec libavutil"
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists $libraries; then
  echo "probe-server not built: FFmpeg's development files are missing (the worker will start ffprobe per file)" >&2
  exit 0
fi
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
"$CC" -O2 -Wall -Wextra -Werror -o build/probe-server.new probe-server.c $(pkg-config --cflags --libs $libraries)
mv build/probe-server.new build/probe-server
