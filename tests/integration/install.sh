#!/usr/bin/env bash
# `cmake --install` of kiln's build tree into a fresh prefix: bin/kiln and the package
# lib/cmake/kiln. The other integration tests build firmware against this prefix.
set -euo pipefail
build=$1; prefix=$2
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/kiln lib/cmake/kiln/kilnConfig.cmake lib/cmake/kiln/kilnConfigVersion.cmake \
         lib/cmake/kiln/kilnTargets.cmake lib/cmake/kiln/KilnAddModel.cmake \
         lib/cmake/kiln/cores.def lib/cmake/kiln/boards.def; do
  [[ -e "$prefix/$f" ]] || { echo "install: $f is missing" >&2; exit 1; }
done
"$prefix/bin/kiln" --version
