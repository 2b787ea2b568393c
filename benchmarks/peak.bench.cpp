// bench_peak: this machine's FMA peak on one core and the fraction of it that hamgen's GEMM reaches,
// for issue 4's goal "GEMM-bound layers at >= 70 % of this machine's FMA peak".
//   fma_peak|dtype=...      12 independent chains of 256-bit fused multiply-adds (AVX2 + FMA):
//                           the throughput bound of the core (2 flops per lane per FMA).
//   gemm|dtype=...|case=...|kernel=...|m,n,k
//                           backend::cpu::gemm (the product every Linear/conv layer calls) at a large
//                           square size, at the GEMMs of the mlp_bn step (Linear 4096 -> 2048 and
//                           256 -> 4096, batch 24: forward, input gradient, weight gradient) and at
//                           the three products of two conv layers (halo_conv, dcgan_disc 96).
//                           kernel=auto:<k> is the kernel gemm chooses for the shape (what the layers
//                           run); the other kernels that support the shape (eigen, dot, packed)
//                           follow on the same shape for comparison.
//   gemm_vs_openblas|dtype=...|case=...|m,n,k
//                           the chosen kernel and OpenBLAS (the BLAS under the PyTorch peer, loaded
//                           at run time from libopenblas.so.0; the family is absent without it) on
//                           the same operands, and the FMA loop for as many flops, one call each in
//                           turn (the order rotated every iteration), so all three see the same
//                           phase of the VM. Counters: hamgen_p50_pct / openblas_p50_pct /
//                           fma_p50_pct (median call rate, % of the FMA peak measured at start-up),
//                           time_ratio (median over the iterations of hamgen's time / OpenBLAS's) and
//                           hamgen_share_p50 / openblas_share_p50 (median over the iterations of the
//                           product's rate as % of the FMA loop's rate in the same iteration: the
//                           share of what the core delivered in that phase).
//                           Set OPENBLAS_CORETYPE as for the peers (docs/benchmarks.md).
// The operands are hamgen tensors, allocated as the layers' weights and activations are (buffers of
// >= 4 MiB advised onto transparent huge pages, core/allocator.hpp). With 4 KiB pages (plain
// std::vector, or HAMGEN_HUGE_PAGES=0) the 32 MiB weight of the 4096 -> 2048 products, read in
// blocks of rows 16 KiB apart, misses the TLB on every row: float32 input gradient 42-58 % of the
// peak against 63-66 % with huge pages, weight gradient 45-52 % against 52-64 % (3 alternating pairs).
// Counters: flops (rate, flop/s), pct_peak (100 * rate / the fma_peak of the same dtype, measured
// once at start-up in this process) and fma_now_pct (the same FMA loop run for ~2 ms before and after
// the repetition, untimed, as % of that peak: below ~90 the VM was in a contended phase, in which
// memory-bound kernels lose far more than the FMA loop does), call_p50_pct and call_p90_pct (the
// median and 90th percentile of the single calls' rates, as % of that peak: the slow phases last
// seconds, so p90 is the kernel on a core of its own and p50 whichever phase dominated). Run
// single-threaded:
//   HAMGEN_NUM_THREADS=1 build/bench/benchmarks/bench_peak
#include <hamgen/backend/cpu/gemm.hpp>
#include <hamgen/core/tensor.hpp>

#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cpu = hamgen::backend::cpu;
using cpu::index_t;

namespace {

// n rounds of 12 independent 256-bit FMA chains; returns a value depending on every lane so nothing
// is optimised away. Flops = n * 12 * lanes * 2.
__attribute__((target("avx2,fma"))) float fma_loop(std::int64_t n, float seed) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(seed + float(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (std::int64_t r = 0; r < n; ++r)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}
__attribute__((target("avx2,fma"))) double fma_loop(std::int64_t n, double seed) {
  __m256d acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_pd(seed + double(i));
  const __m256d a = _mm256_set1_pd(0.999999999), b = _mm256_set1_pd(1e-12);
  for (std::int64_t r = 0; r < n; ++r)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_pd(acc[i], a, b);
  __m256d s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_pd(s, acc[i]);
  double out[4];
  _mm256_storeu_pd(out, s);
  return out[0] + out[3];
}

template <class T>
constexpr int lanes = 32 / int(sizeof(T));

template <class T>
double flops_per_round() {
  return 12.0 * lanes<T> * 2.0;
}

/// Wall seconds of one call of f (its writes to memory complete).
template <class F>
double seconds_of(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  benchmark::ClobberMemory();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The q-quantile (0 <= q <= 1) of v, lower element; sorts v.
inline double quantile(std::vector<double>& v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::size_t(q * double(v.size() - 1))];
}

/// flop/s of one timed run of n rounds of fma_loop.
template <class T>
double fma_rate(std::int64_t n, T seed) {
  const double s = seconds_of([&] { benchmark::DoNotOptimize(fma_loop(n, seed)); });
  return double(n) * flops_per_round<T>() / s;
}

/// Best of 5 runs of ~40 ms each: the peak flop/s of one core for T.
template <class T>
double measured_peak() {
  static const double peak = [] {
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) best = std::max(best, fma_rate<T>(4'000'000, T(rep)));
    return best;
  }();
  return peak;
}

/// The core's FMA rate now, as a percentage of measured_peak: one ~2 ms run of the same loop. A
/// GEMM repetition probes before and after it (untimed), so a reader can tell a slow kernel from a
/// slow phase of the VM (a neighbour on the same core slows every kernel for seconds at a time).
template <class T>
double fma_now_pct() {
  return 100.0 * fma_rate<T>(200'000, T(1)) / measured_peak<T>();
}

template <class T>
hamgen::tensor<T> rnd(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<T> d(T(-1), T(1));
  hamgen::tensor<T> v(hamgen::shape{n});
  for (auto& e : v) e = d(g);
  return v;
}

// C (m x n) = op(A) op(B), row-major, as backend::cpu::gemm computes it for the layers.
template <class T>
void gemm_case(benchmark::State& st, cpu::gemm_kernel kern, bool ta, bool tb, index_t m, index_t n,
               index_t k) {
  const auto a = rnd<T>(std::size_t(m * k), 1), b = rnd<T>(std::size_t(k * n), 2);
  hamgen::tensor<T> c(hamgen::shape{std::size_t(m * n)});
  const index_t lda = ta ? m : k, ldb = tb ? k : n;
  const double flop = 2.0 * double(m) * double(n) * double(k);
  std::vector<double> call_pct; // each call's rate, % of the peak
  call_pct.reserve(4096);
  const double probe_before = fma_now_pct<T>();
  for (auto _ : st) {
    const double s = seconds_of([&] {
      cpu::gemm<T>(kern, ta, tb, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(0), c.data(), n);
      benchmark::DoNotOptimize(c.data());
    });
    call_pct.push_back(100.0 * flop / s / measured_peak<T>());
  }
  st.counters["flops"] = benchmark::Counter(flop * double(st.iterations()), benchmark::Counter::kIsRate);
  // kIsRate divides by the elapsed seconds: 100 * (flop/s) / peak.
  st.counters["pct_peak"] = benchmark::Counter(100.0 * flop * double(st.iterations()) / measured_peak<T>(),
                                               benchmark::Counter::kIsRate);
  st.counters["fma_now_pct"] = 0.5 * (probe_before + fma_now_pct<T>());
  // The calls' own distribution: the VM's slow phases pull the median down for seconds at a time,
  // while p90 shows what the kernel does when the core is its own.
  st.counters["call_p50_pct"] = quantile(call_pct, 0.5);
  st.counters["call_p90_pct"] = quantile(call_pct, 0.9);
}

/// OpenBLAS's cblas_?gemm, looked up at run time so the benchmark neither needs its headers nor
/// links it; null where libopenblas.so.0 is not installed. Single-threaded, as the GEMM here is.
struct openblas {
  using sgemm_fn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                            float*, int);
  using dgemm_fn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int,
                            double, double*, int);
  sgemm_fn sgemm = nullptr;
  dgemm_fn dgemm = nullptr;
  static const openblas& get() {
    static const openblas api = [] {
      openblas a;
      void* lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
      if (!lib) return a;
      a.sgemm = reinterpret_cast<sgemm_fn>(dlsym(lib, "cblas_sgemm"));
      a.dgemm = reinterpret_cast<dgemm_fn>(dlsym(lib, "cblas_dgemm"));
      if (auto set = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"))) set(1);
      return a;
    }();
    return api;
  }
  bool available() const { return sgemm && dgemm; }
  // Row-major C = op(A) op(B) (CBLAS codes: 101 row-major, 111 no transpose, 112 transpose).
  template <class T>
  void gemm(bool ta, bool tb, index_t m, index_t n, index_t k, const T* a, index_t lda, const T* b,
            index_t ldb, T* c, index_t ldc) const {
    const auto i = [](index_t v) { return static_cast<int>(v); };
    if constexpr (sizeof(T) == 4)
      sgemm(101, ta ? 112 : 111, tb ? 112 : 111, i(m), i(n), i(k), 1.f, a, i(lda), b, i(ldb), 0.f, c, i(ldc));
    else
      dgemm(101, ta ? 112 : 111, tb ? 112 : 111, i(m), i(n), i(k), 1.0, a, i(lda), b, i(ldb), 0.0, c, i(ldc));
  }
};

/// The chosen kernel, OpenBLAS and the FMA loop in turn on the same shape (see the top of the file).
/// Each iteration runs the three once, starting one place further round each time, so each member
/// sits in each position equally often; the FMA loop does as many flops as the product, so the
/// three calls are of a length and see the same phase of the VM.
template <class T>
void gemm_vs_openblas(benchmark::State& st, bool ta, bool tb, index_t m, index_t n, index_t k) {
  const auto& blas = openblas::get();
  const auto a = rnd<T>(std::size_t(m * k), 1), b = rnd<T>(std::size_t(k * n), 2);
  hamgen::tensor<T> c(hamgen::shape{std::size_t(m * n)});
  const index_t lda = ta ? m : k, ldb = tb ? k : n;
  const auto kern = cpu::gemm_kernel_for<T>(ta, tb, m, n, k);
  const double flop = 2.0 * double(m) * double(n) * double(k);
  const auto rounds = std::max<std::int64_t>(1, std::int64_t(flop / flops_per_round<T>()));
  const double fma_flop = double(rounds) * flops_per_round<T>();
  const auto ours = [&] {
    cpu::gemm<T>(kern, ta, tb, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(0), c.data(), n);
  };
  const auto theirs = [&] { blas.gemm<T>(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, c.data(), n); };
  const auto fma = [&] { benchmark::DoNotOptimize(fma_loop(rounds, T(1))); };
  std::vector<double> th, to, tf, ratio, share_h, share_o;
  int first = 0;
  for (auto _ : st) {
    double t[3] = {0, 0, 0}; // hamgen, OpenBLAS, FMA loop
    for (int i = 0; i < 3; ++i) {
      const int who = (first + i) % 3;
      t[who] = who == 0 ? seconds_of(ours) : who == 1 ? seconds_of(theirs) : seconds_of(fma);
    }
    first = (first + 1) % 3;
    th.push_back(t[0]);
    to.push_back(t[1]);
    tf.push_back(t[2]);
    ratio.push_back(t[0] / t[1]);
    // rate / the FMA loop's rate in the same iteration = (flop / t) / (fma_flop / t_fma).
    share_h.push_back(100.0 * flop * t[2] / (fma_flop * t[0]));
    share_o.push_back(100.0 * flop * t[2] / (fma_flop * t[1]));
  }
  const double peak = measured_peak<T>();
  st.counters["hamgen_p50_pct"] = 100.0 * flop / quantile(th, 0.5) / peak;
  st.counters["openblas_p50_pct"] = 100.0 * flop / quantile(to, 0.5) / peak;
  st.counters["fma_p50_pct"] = 100.0 * fma_flop / quantile(tf, 0.5) / peak;
  st.counters["time_ratio"] = quantile(ratio, 0.5);
  st.counters["hamgen_share_p50"] = quantile(share_h, 0.5);
  st.counters["openblas_share_p50"] = quantile(share_o, 0.5);
}

template <class T>
const char* dtype_name() {
  return sizeof(T) == 4 ? "float32" : "float64";
}

template <class T>
void register_all() {
  const std::string dt = dtype_name<T>();
  benchmark::RegisterBenchmark(("fma_peak|dtype=" + dt).c_str(), [](benchmark::State& st) {
    const std::int64_t n = 1'000'000;
    for (auto _ : st) benchmark::DoNotOptimize(fma_loop(n, T(1)));
    const double flop = double(n) * flops_per_round<T>() * double(st.iterations());
    st.counters["flops"] = benchmark::Counter(flop, benchmark::Counter::kIsRate);
    st.counters["pct_peak"] =
        benchmark::Counter(100.0 * flop / measured_peak<T>(), benchmark::Counter::kIsRate);
  })->UseRealTime();
  struct shape_case {
    const char* what;
    bool ta, tb;
    index_t m, n, k;
  };
  // Linear y = x Wᵀ: x [B, in], W [out, in]; dx = dy W; dW = dyᵀ x.
  const shape_case cases[] = {{"square", false, false, 1024, 1024, 1024},
                              {"linear4096x2048_fwd", false, true, 24, 2048, 4096},
                              {"linear4096x2048_dx", false, false, 24, 4096, 2048},
                              {"linear4096x2048_dw", true, false, 2048, 4096, 24},
                              {"linear256x4096_fwd", false, true, 24, 4096, 256},
                              {"linear256x4096_dx", false, false, 24, 256, 4096},
                              {"linear256x4096_dw", true, false, 4096, 256, 24},
                              // Conv layers as backend/cpu/conv.hpp lowers them (im2col, one GEMM per
                              // block of output columns): y = W col, dcol = Wᵀ dy, dW = dy colᵀ.
                              // halo_conv's 256 -> 256 5x5 stride-2 layer (64 x 64 input; R = 6400,
                              // 256-column blocks) and dcgan_disc 96's 256 -> 512 4x4 layer (8 samples
                              // of 36 pixels per product).
                              {"conv_halo_fwd", false, false, 256, 256, 6400},
                              {"conv_halo_dcol", true, false, 6400, 256, 256},
                              {"conv_halo_dw", false, true, 256, 6400, 256},
                              {"conv_disc96_fwd", false, false, 512, 288, 4096},
                              {"conv_disc96_dcol", true, false, 4096, 288, 512},
                              {"conv_disc96_dw", false, true, 512, 4096, 288}};
  // kernel=auto:<k> is what the layers get (gemm_kernel_for); every other kernel that supports the
  // shape's transposes (eigen always) follows on the same shape, for a same-run comparison.
  if (openblas::get().available())
    for (const auto& c : cases) {
      const std::string name = "gemm_vs_openblas|dtype=" + dt + "|case=" + c.what +
                               "|m=" + std::to_string(c.m) + "|n=" + std::to_string(c.n) +
                               "|k=" + std::to_string(c.k);
      benchmark::RegisterBenchmark(name.c_str(), [c](benchmark::State& st) {
        gemm_vs_openblas<T>(st, c.ta, c.tb, c.m, c.n, c.k);
      })->UseRealTime();
    }
  for (const auto& c : cases) {
    const auto chosen = cpu::gemm_kernel_for<T>(c.ta, c.tb, c.m, c.n, c.k);
    for (const auto kern : {cpu::gemm_kernel::automatic, cpu::gemm_kernel::eigen, cpu::gemm_kernel::dot,
                            cpu::gemm_kernel::packed, cpu::gemm_kernel::broadcast}) {
      if (kern != cpu::gemm_kernel::automatic &&
          (kern == chosen || !cpu::gemm_kernel_supports(kern, c.ta, c.tb)))
        continue;
      const auto k = kern == cpu::gemm_kernel::automatic ? chosen : kern;
      const std::string kname = std::string(kern == cpu::gemm_kernel::automatic ? "auto:" : "") +
                                (k == cpu::gemm_kernel::dot         ? "dot"
                                 : k == cpu::gemm_kernel::packed    ? "packed"
                                 : k == cpu::gemm_kernel::broadcast ? "broadcast"
                                                                    : "eigen");
      const std::string name = "gemm|dtype=" + dt + "|case=" + c.what + "|kernel=" + kname +
                               "|m=" + std::to_string(c.m) + "|n=" + std::to_string(c.n) +
                               "|k=" + std::to_string(c.k);
      benchmark::RegisterBenchmark(name.c_str(), [c, kern](benchmark::State& st) {
        gemm_case<T>(st, kern, c.ta, c.tb, c.m, c.n, c.k);
      })->UseRealTime();
    }
  }
}

[[maybe_unused]] const bool registered = [] {
  register_all<float>();
  register_all<double>();
  return true;
}();

} // namespace

BENCHMARK_MAIN();
