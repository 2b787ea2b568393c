#!/usr/bin/env bash
# The README's first command: install what is missing, build the examples, run the main job on its
# embedded default configuration. Everything lands in out/ (pictures, CSV/JSON numbers):
#   out/energy_error.png/.csv      symplectic integrators on the analytic systems (hamgen_main_job)
#   out/data/<name>/ + preview     small toy-physics and HALO datasets with contact sheets and GIFs
#   out/hnn/                       a Hamiltonian neural network learned from samples (when built)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=${HAMGEN_RUN_BUILD:-build/run}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHAMGEN_BUILD_TESTS=OFF \
      -DHAMGEN_BUILD_EXAMPLES=ON -DHAMGEN_BUILD_BENCHMARKS=OFF -DHAMGEN_ENABLE_CUDA=OFF "${launcher[@]}"
targets=(hamgen_main_job hamgen_data)
[[ -f examples/hnn_demo.cpp ]] && targets+=(hamgen_hnn_demo)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
mkdir -p out/data
echo "== 1/3 integrators: energy error of every method on the analytic systems"
"$build/examples/hamgen_main_job" --out out
echo "== 2/3 datasets: small toy-physics and HALO sets with previews"
for ds in pendulum double_pendulum two_body rotating_balls sprites; do
  rm -rf "out/data/$ds"
  "$build/examples/hamgen_data" generate "$ds" -o "out/data/$ds" -n 16 --seed 1
  "$build/examples/hamgen_data" preview "out/data/$ds" -o "out/data/${ds}_preview"
done
if [[ -x "$build/examples/hamgen_hnn_demo" ]]; then
  echo "== 3/3 HNN: learning a Hamiltonian from samples"
  "$build/examples/hamgen_hnn_demo" --out out/hnn
fi
echo "results in $(pwd)/out:"
find out -maxdepth 2 -name '*.png' -o -maxdepth 2 -name '*.gif' -o -maxdepth 2 -name '*.csv' | sort
