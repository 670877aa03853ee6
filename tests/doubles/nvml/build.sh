#!/usr/bin/env bash
# Build the stand-in libnvidia-ml.so.1 (fake_nvml.c) into OUT/current and OUT/r470.
#   tests/doubles/nvml/build.sh [OUT]   (default build/fake-nvml)
# Rebuilt only when the source is newer. Built on the controller against its glibc
# (Debian 12's 2.36), so the same file runs on the Debian 12 and 13 test hosts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../../build/fake-nvml}
for variant in current r470; do
  lib=$out/$variant/libnvidia-ml.so.1
  [ "$lib" -nt "$here/fake_nvml.c" ] && continue
  mkdir -p "$out/$variant"
  flags=()
  [ "$variant" = r470 ] && flags=(-DFAKE_NVML_R470)
  gcc -shared -fPIC -O1 -Wall -Wextra -Werror -fvisibility=hidden "${flags[@]}" \
    -Wl,-soname,libnvidia-ml.so.1 -o "$lib.tmp" "$here/fake_nvml.c"
  mv "$lib.tmp" "$lib"
done
