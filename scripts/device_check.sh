#!/usr/bin/env bash
# Builds and runs the GPU tests on a CUDA machine without network access. Run from the repo root
# with .devdeps/ (scripts/stage_device_deps.sh) next to it. A missing GPU fails here (it is the
# point of the run); in CI the same tests report Skipped.
#   LOG_DIR=<folder for logs> scripts/device_check.sh [extra ctest args]
set -uo pipefail
cd "$(dirname "$0")/.."
log=${LOG_DIR:-build/device-logs}
mkdir -p "$log"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$log/gpu.txt"
cmake -S . -B build/device -G Ninja -DCMAKE_BUILD_TYPE=Release -DHAMGEN_ENABLE_CUDA=ON \
      -DCMAKE_PREFIX_PATH="$PWD/.devdeps/usr" -DHAMGEN_BUILD_EXAMPLES=OFF -DHAMGEN_BUILD_BENCHMARKS=OFF \
      > "$log/configure.txt" 2>&1 || { tail -40 "$log/configure.txt"; exit 1; }
cmake --build build/device -j "$(nproc)" --target test_cuda > "$log/build.txt" 2>&1 || { tail -60 "$log/build.txt"; exit 1; }
HAMGEN_REQUIRE_GPU=1 ./build/device/tests/test_cuda --durations yes "$@" 2>&1 | tee "$log/test_cuda.txt"
exit "${PIPESTATUS[0]}"
