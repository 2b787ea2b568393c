// Dataset generation throughput: trajectories per second for every toy-physics system and the HALO
// datasets at 32×32 and 96×96 (100 frames, dt 0.05; integration + rendering, no disk I/O).
// The goal: 5,000 pendulum trajectories of 100 frames at 32×32 in under 60 s on two cores,
// i.e. ≥ 83 trajectories/s with threads=2 (see the "threads=2" cases, which use generate_range).
//
//   ./build/benchmarks/bench_datasets --benchmark_counters_tabular=true
#include <hamgen/data/catalog.hpp>
#include <hamgen/data/dataset.hpp>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using namespace hamgen::data;

void bm_trajectories(benchmark::State& state, const std::string& name, int size, unsigned threads) {
  const auto g =
      make_generator(name, {.frames = name == "sprites" ? 8u : (name.rfind("rotating", 0) == 0 ? 16u : 100u),
                            .resolution = size});
  const std::size_t per_iter = threads == 1 ? 1 : 32;
  std::uint64_t seed = 1;
  std::vector<trajectory> out;
  for (auto _ : state) {
    if (threads == 1) {
      auto t = g->make(seed, static_cast<std::size_t>(state.iterations()));
      benchmark::DoNotOptimize(t.images.data());
    } else {
      generate_range(*g, seed, 0, per_iter, threads, out);
      benchmark::DoNotOptimize(out.data());
    }
    ++seed;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_iter));
  state.counters["trajectories_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * per_iter), benchmark::Counter::kIsRate);
}

const bool registered = [] {
  for (const char* name :
       {"mass_spring", "pendulum", "double_pendulum", "two_body", "three_body", "pendulum_colors_friction",
        "two_body_colors", "rotating_balls", "rotating_glyphs", "sprites"})
    for (int size : {32, 96}) {
      if (std::string(name) == "sprites" && size == 32) continue; // sprites are 64×64 by design
      const int s = std::string(name) == "sprites"
                        ? 64
                        : (std::string(name) == "rotating_glyphs" && size == 32 ? 28 : size);
      for (unsigned threads : {1u, 2u}) {
        const std::string bench = std::string("datasets|impl=hamgen|dtype=uint8|system=") + name +
                                  "|size=" + std::to_string(s) + "|threads=" + std::to_string(threads);
        benchmark::RegisterBenchmark(bench.c_str(),
                                     [=](benchmark::State& st) { bm_trajectories(st, name, s, threads); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  return true;
}();

} // namespace

BENCHMARK_MAIN();
