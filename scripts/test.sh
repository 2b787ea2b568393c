#!/usr/bin/env bash
# The README's second command: install what is missing, build the test suite, run all of it.
# Warnings in hamgen's own code are errors here. GPU tests report Skipped where no GPU is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=${HAMGEN_TEST_BUILD:-build/test}
jobs=${HAMGEN_JOBS:-$(nproc)}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHAMGEN_WERROR=ON \
      -DHAMGEN_BUILD_TESTS=ON -DHAMGEN_BUILD_EXAMPLES=OFF -DHAMGEN_BUILD_BENCHMARKS=OFF "${launcher[@]}" "$@"
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 900
