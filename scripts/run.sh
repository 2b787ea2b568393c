#!/usr/bin/env bash
# The README's first command: install what is missing, build the examples, run the main job on its
# embedded default configuration. Results land in out/ (pictures and CSV/JSON numbers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=${HAMGEN_RUN_BUILD:-build/run}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHAMGEN_BUILD_TESTS=OFF \
      -DHAMGEN_BUILD_EXAMPLES=ON -DHAMGEN_BUILD_BENCHMARKS=OFF -DHAMGEN_ENABLE_CUDA=OFF "${launcher[@]}"
cmake --build "$build" -j "$(nproc)" --target hamgen_main_job
mkdir -p out
"$build/examples/hamgen_main_job" --out out "$@"
