#!/usr/bin/env bash
# Runs hamgen's benchmarks and their PyTorch peers (../shared/bench) at the same thread count and
# prints ratio tables (hamgen time / peer time; below 1 = hamgen faster).
#   scripts/bench.sh [threads=1] [group ...]     groups: integrators expm hnn nn datasets (default: all)
#   ROUNDS=3 scripts/bench.sh 1 hnn               hamgen and the peer alternate 3 times; the table gives
#                                                 the median of the per-round ratios and their range
# Results: build/bench/results/<group>_t<threads>[_r<round>].{json,jsonl} and <group>_t<threads>.md.
# Run on an otherwise idle machine.
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
# OpenBLAS 0.3.21 does not recognise AMD EPYC Zen 3 / Zen 4 and would use generic kernels. SkylakeX
# needs AVX-512 (illegal instruction on the AVX2-only Zen 3 machines); on a Zen 4 machine, which has
# AVX-512, SkylakeX ran slower than Haswell against the same hamgen calls (bench_peak's
# gemm_vs_openblas time ratios, docs/benchmarks.md), so Haswell is the stronger peer on both.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
peer=../shared/bench
# The peers report the median of individually timed calls (about 1 s of them); hamgen's side reports
# the median of 20 repetitions (each the mean of the calls in >= 50 ms, one call for steps that take
# longer), the closest Google Benchmark statistic: a preempted call moves neither median. Both sides
# thus sample about a second per case: this VM's speed changes in phases of about that length
# (docs/benchmarks.md), and a 0.2 s window could fall inside one phase where the peer's spans two.
gb=(--benchmark_format=json --benchmark_repetitions=20 --benchmark_min_time=0.05)
rounds=${ROUNDS:-1}
run_pair() { # group, bench binary, peer script (or -), extra peer args...
  local group=$1 bin=$2 script=$3
  shift 3
  cmake --build "$build" -j "$(nproc)" --target "$bin" > /dev/null
  echo "== $group: $bin (threads $threads, rounds $rounds)" >&2
  if [[ "$script" == - ]]; then
    "$build/benchmarks/$bin" "${gb[@]}" > "$res/${group}_t$threads.json"
    return
  fi
  local ours=() theirs=() r sfx
  for ((r = 1; r <= rounds; ++r)); do
    sfx=$( ((rounds > 1)) && echo "_r$r" || true)
    "$build/benchmarks/$bin" "${gb[@]}" > "$res/${group}_t$threads$sfx.json"
    /usr/bin/python3 "$peer/$script" --threads "$threads" "$@" > "$res/${group}_torch_t$threads$sfx.jsonl"
    ours+=("$res/${group}_t$threads$sfx.json")
    theirs+=("$res/${group}_torch_t$threads$sfx.jsonl")
  done
  benchmarks/compare.py "$(IFS=,; echo "${ours[*]}")" "$(IFS=,; echo "${theirs[*]}")" \
    --threads "$threads" --markdown | tee "$res/${group}_t$threads.md"
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
