#!/usr/bin/env bash
# Runs hamgen's benchmarks and their PyTorch peers (../shared/bench) at the same thread count and
# prints ratio tables (hamgen time / peer time; below 1 = hamgen faster).
#   scripts/bench.sh [threads=1] [group ...]     groups: integrators expm hnn nn datasets (default: all)
# Results: build/bench/results/<group>_t<threads>.{json,jsonl,md}. Run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-1}
shift || true
groups=("$@")
((${#groups[@]})) || groups=(integrators expm hnn nn datasets)
scripts/setup.sh --bench
build=build/bench
res=$build/results
mkdir -p "$res"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHAMGEN_BUILD_TESTS=OFF -DHAMGEN_BUILD_EXAMPLES=OFF \
      -DHAMGEN_BUILD_BENCHMARKS=ON -DHAMGEN_ENABLE_CUDA=OFF > /dev/null
export HAMGEN_NUM_THREADS=$threads OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
# OpenBLAS 0.3.21 does not recognise this CPU; SkylakeX needs AVX-512 (illegal instruction on AVX2-only
# machines), Haswell is the right kernel set for AVX2+FMA.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
peer=../shared/bench
gb=(--benchmark_format=json --benchmark_repetitions=3 --benchmark_min_time=0.2)
run_pair() { # group, bench binary, peer script (or -), extra peer args...
  local group=$1 bin=$2 script=$3
  shift 3
  cmake --build "$build" -j "$(nproc)" --target "$bin" > /dev/null
  echo "== $group: $bin (threads $threads)" >&2
  "$build/benchmarks/$bin" "${gb[@]}" > "$res/${group}_t$threads.json"
  if [[ "$script" != - ]]; then
    /usr/bin/python3 "$peer/$script" --threads "$threads" "$@" > "$res/${group}_torch_t$threads.jsonl"
    benchmarks/compare.py "$res/${group}_t$threads.json" "$res/${group}_torch_t$threads.jsonl" \
      --threads "$threads" --markdown | tee "$res/${group}_t$threads.md"
  fi
}
for g in "${groups[@]}"; do
  case $g in
    integrators) run_pair integrators bench_integrators - ;;
    expm) run_pair expm bench_expm expm_torch.py ;;
    hnn) run_pair hnn bench_hnn_rollout hnn_rollout_torch.py ;;
    nn) run_pair nn bench_nn_step nn_step_torch.py ;;
    datasets) run_pair datasets bench_datasets - ;;
    *) echo "bench: unknown group '$g'" >&2; exit 2 ;;
  esac
done
echo "results in $res" >&2
