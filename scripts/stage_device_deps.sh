#!/usr/bin/env bash
# Copies the header-only Debian packages hamgen's GPU tests build against (Eigen, xtensor, xtl,
# xsimd, Catch2) with their CMake package files into .devdeps/usr (ignored by git), keeping the /usr
# layout. For a GPU machine without network access: send .devdeps along and configure with
#   cmake -DCMAKE_PREFIX_PATH=$PWD/.devdeps/usr ...
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .devdeps
for pkg in libeigen3-dev xtensor-dev libxtensor-dev xtl-dev libxsimd-dev catch2 libgif-dev libgif7 nlohmann-json3-dev; do
  dpkg -L "$pkg" | while read -r f; do
    [[ (-f "$f" || -L "$f") && "$f" != /usr/share/doc/* ]] || continue
    mkdir -p ".devdeps$(dirname "$f")"
    cp "$f" ".devdeps$f"
  done
done
du -sh .devdeps
