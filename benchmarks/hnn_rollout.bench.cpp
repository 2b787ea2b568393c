// bench_hnn_rollout: HGAN's motion model (configuration map + MLP Hamiltonian + leapfrog rollout),
// forward and forward + double backward, mirroring /work/shared/bench/hnn_rollout_torch.py:
//   eps [B, 2n] ~ N(0, I); (q0, p0) = split(f(eps)), f: 2n -> w -> w -> 2n ReLU; H: 2n -> w -> w -> 1
//   (act); Xavier-uniform weights, PyTorch-default biases; kick-drift-kick leapfrog, dt = 0.05, T frames;
//   loss = mean(states²) + 0.01 Σ_steps mean|dp/dt|, backward to every parameter of f and H.
// hamgen's rollout reuses the last force (2 gradient evaluations per step; torch spends 3).
// Names: "hnn_rollout_fwd|impl=hamgen|dtype=float32|n=10|width=100|act=relu|T=16|batch=16" (the
// peer's keys; benchmarks/compare.py joins them). Single-threaded (the fused path runs on one core).
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>

#include <hamgen/hnn/config_map.hpp>
#include <hamgen/hnn/rollout.hpp>

using namespace hamgen;

namespace {

template <class T>
struct motion_model {
  hnn::config_map<T> f;
  hnn::mlp_hamiltonian<T> h;
  hnn::fused_config_map<T> ff;
  hnn::fused_rollout<hnn::mlp_hamiltonian<T>> fr;
  tensor<T> eps, dstates, ddp, dq0, dp0;
  std::size_t B, T_;

  motion_model(std::size_t n, std::size_t width, hnn::activation act, std::size_t frames, std::size_t batch,
               generator& g)
      : f({.n = n, .hidden = {width, width}}, g), h({.n = n, .hidden = {width, width}, .act = act}, g),
        eps(shape{batch, 2 * n}), dstates(shape{frames, batch, 2 * n}), ddp(shape{frames - 1, batch, n}),
        dq0(shape{batch, n}), dp0(shape{batch, n}), B(batch), T_(frames) {
    for (auto& v : eps) v = T(g.normal());
  }

  void forward() {
    ff.forward(f, eps.data(), B);
    fr.forward(h, ff.q0().data(), ff.p0().data(), B, {.frames = T_, .dt = 0.05});
  }

  T forward_backward() {
    f.zero_grad();
    h.zero_grad();
    forward();
    // loss = mean(states²) + 0.01 Σ_k mean_k |dp/dt|
    const auto& s = fr.states();
    const auto& d = fr.dpdt();
    const T cs = T(2) / T(s.size()), cd = T(0.01) / T(d.size() / d.dim(0));
    T loss = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      loss += s[i] * s[i];
      dstates[i] = cs * s[i];
    }
    loss /= T(s.size());
    T l1 = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      l1 += std::abs(d[i]);
      ddp[i] = d[i] > 0 ? cd : (d[i] < 0 ? -cd : T(0));
    }
    loss += T(0.01) * l1 / T(d.size() / d.dim(0));
    fr.backward(h, dstates.data(), ddp.data(), dq0.data(), dp0.data());
    ff.backward(f, dq0.data(), dp0.data());
    return loss;
  }
};

template <class T>
void run(benchmark::State& st, bool with_backward, std::size_t n, std::size_t width, hnn::activation act,
         std::size_t frames, std::size_t batch) {
  generator g(2026);
  motion_model<T> m(n, width, act, frames, batch, g);
  // one warm-up call sizes the caches and workspaces (the peer warms up too): the timed calls are
  // the steady state even when a short repetition holds a single call
  if (with_backward)
    m.forward_backward();
  else
    m.forward();
  for (auto _ : st) {
    if (with_backward) {
      benchmark::DoNotOptimize(m.forward_backward());
    } else {
      m.forward();
      benchmark::DoNotOptimize(m.fr.states().data());
    }
    benchmark::ClobberMemory();
  }
}

template <class T>
void register_all(const char* dtype) {
  struct cfg {
    std::size_t n, width;
    hnn::activation act;
    std::size_t frames, batch;
  };
  const cfg grid[] = {{10, 100, hnn::activation::relu, 16, 16},
                      {10, 100, hnn::activation::relu, 16, 256},
                      {10, 100, hnn::activation::relu, 30, 16},
                      {10, 100, hnn::activation::relu, 30, 256},
                      {10, 128, hnn::activation::tanh, 16, 64}};
  for (bool bwd : {false, true})
    for (const auto& c : grid) {
      const std::string name = std::string(bwd ? "hnn_rollout_fwd_bwd" : "hnn_rollout_fwd") +
                               "|impl=hamgen|dtype=" + dtype + "|n=" + std::to_string(c.n) +
                               "|width=" + std::to_string(c.width) + "|act=" + hnn::to_string(c.act) +
                               "|T=" + std::to_string(c.frames) + "|batch=" + std::to_string(c.batch);
      benchmark::RegisterBenchmark(
          name.c_str(),
          [=](benchmark::State& st) { run<T>(st, bwd, c.n, c.width, c.act, c.frames, c.batch); })
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
}

} // namespace

int main(int argc, char** argv) {
  register_all<float>("float32");
  register_all<double>("float64");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
