#!/usr/bin/env bash
# .clusterfuzzlite/build.sh - ClusterFuzzLite's build step, run inside the
# image of .clusterfuzzlite/Dockerfile (copied there as $SRC/build.sh): the
# project's own OSS-Fuzz build script does the work, with the CC, CFLAGS,
# LIB_FUZZING_ENGINE, OUT, SRC and WORK that ClusterFuzzLite sets.
#
# Usage (inside the image): $SRC/build.sh
set -euo pipefail
exec "$SRC/cancelfuzz/build.sh"
