// Kernel-level versions of two nn_step_torch.py cases, composed by hand from the raw CPU kernels
// (no tensor type, no tape): a lower bound for what the autodiff layers can reach.
//   lstm   size=2048 batch=24: 2-layer bidirectional LSTM(2048 -> 128), batch_first, seq 8,
//          forward + backward (loss = sum y^2), gradients for all weights and the input.
//   mlp_bn size=256 batch=24: Linear(256->4096) BN LeakyReLU(0.2) Linear(4096->2048) BN LeakyReLU,
//          train mode, forward + backward (loss = sum y^2).
//   gru    size=100 batch=16: one GRU layer (100 -> 100), seq 16, h0 given, forward + backward
//          (loss = sum y^2), gradients for all weights, the input and h0; a motion model of the
//          MoCoGAN baseline's kind run over a whole sequence (no peer in ../shared/bench).
// Names use impl=hamgen_kernels: compare with  benchmarks/compare.py --impl hamgen_kernels.
//   HAMGEN_NUM_THREADS=1 build/benchmarks/bench_nn_kernels --benchmark_format=json > k_t1.json
#include <hamgen/backend/cpu/batch_norm.hpp>
#include <hamgen/backend/cpu/conv.hpp>
#include <hamgen/backend/cpu/gemm.hpp>
#include <hamgen/backend/cpu/rnn.hpp>

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

namespace cpu = hamgen::backend::cpu;
using cpu::index_t;
using fvec = std::vector<float>;

namespace {

fvec rnd(std::size_t n, unsigned seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  fvec v(n);
  for (auto& e : v) e = d(rng);
  return v;
}

std::string name(const char* bench, int size, int batch) {
  return std::string(bench) + "|impl=hamgen_kernels|dtype=float32|size=" + std::to_string(size) +
         "|batch=" + std::to_string(batch) + "|threads=" + std::to_string(cpu::num_threads());
}

struct lstm_dir {
  fvec wih, whh, bih, bhh, dwih, dwhh, dbih, dbhh, saved;
};

void bm_lstm(benchmark::State& st) {
  const index_t B = 24, T = 8, I0 = 2048, H = 128;
  const fvec x = rnd(static_cast<std::size_t>(B * T * I0), 1);
  lstm_dir d[2][2];
  unsigned seed = 10;
  for (int l = 0; l < 2; ++l)
    for (int r = 0; r < 2; ++r) {
      const index_t I = l == 0 ? I0 : 2 * H;
      auto& q = d[l][r];
      q.wih = rnd(static_cast<std::size_t>(4 * H * I), seed++, 0.088f);
      q.whh = rnd(static_cast<std::size_t>(4 * H * H), seed++, 0.088f);
      q.bih = rnd(static_cast<std::size_t>(4 * H), seed++, 0.088f);
      q.bhh = rnd(static_cast<std::size_t>(4 * H), seed++, 0.088f);
      q.dwih.resize(q.wih.size());
      q.dwhh.resize(q.whh.size());
      q.dbih.resize(q.bih.size());
      q.dbhh.resize(q.bhh.size());
      q.saved.resize(static_cast<std::size_t>(cpu::lstm_saved_size({T, B, I, H})));
    }
  fvec y1(static_cast<std::size_t>(B * T * 2 * H)), y2(y1.size()), dy2(y1.size()), dy1(y1.size()),
      tmp1(y1.size()), dx(x.size()), tmpx(x.size());
  for (auto _ : st) {
    for (int l = 0; l < 2; ++l)
      for (int r = 0; r < 2; ++r) {
        auto& q = d[l][r];
        const cpu::rnn_shape s{T, B, l == 0 ? I0 : 2 * H, H};
        const cpu::rnn_options o{.batch_first = true, .reverse = r == 1, .output_stride = 2 * H};
        cpu::lstm_forward(s, o, l == 0 ? x.data() : y1.data(), static_cast<const float*>(nullptr),
                          static_cast<const float*>(nullptr),
                          {q.wih.data(), q.whh.data(), q.bih.data(), q.bhh.data()},
                          (l == 0 ? y1.data() : y2.data()) + r * H, static_cast<float*>(nullptr),
                          static_cast<float*>(nullptr), q.saved.data());
      }
    for (std::size_t i = 0; i < y2.size(); ++i) dy2[i] = 2 * y2[i];
    for (int l = 1; l >= 0; --l) {
      const cpu::rnn_shape s{T, B, l == 0 ? I0 : 2 * H, H};
      float* dxl = l == 0 ? dx.data() : dy1.data();
      float* tmp = l == 0 ? tmpx.data() : tmp1.data();
      for (int r = 0; r < 2; ++r) {
        auto& q = d[l][r];
        const cpu::rnn_options o{.batch_first = true, .reverse = r == 1, .output_stride = 2 * H};
        cpu::lstm_backward(
            s, o, l == 0 ? x.data() : y1.data(), static_cast<const float*>(nullptr),
            static_cast<const float*>(nullptr), {q.wih.data(), q.whh.data(), q.bih.data(), q.bhh.data()},
            q.saved.data(), (l == 1 ? dy2.data() : dy1.data()) + r * H, static_cast<const float*>(nullptr),
            static_cast<const float*>(nullptr), r == 0 ? dxl : tmp, static_cast<float*>(nullptr),
            static_cast<float*>(nullptr), {q.dwih.data(), q.dwhh.data(), q.dbih.data(), q.dbhh.data()});
      }
      const std::size_t n = static_cast<std::size_t>(B * T * s.input);
      for (std::size_t i = 0; i < n; ++i) dxl[i] += tmp[i];
    }
    benchmark::DoNotOptimize(dx.data());
  }
}

void leaky(const float* a, float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) b[i] = a[i] > 0 ? a[i] : 0.2f * a[i];
}

void bm_mlp_bn(benchmark::State& st) {
  const index_t B = 24, I = 256, H1 = 4096, H2 = 2048;
  const fvec x = rnd(static_cast<std::size_t>(B * I), 1),
             w1 = rnd(static_cast<std::size_t>(H1 * I), 2, 0.06f), b1 = rnd(H1, 3, 0.06f),
             w2 = rnd(static_cast<std::size_t>(H2 * H1), 4, 0.015f), b2 = rnd(H2, 5, 0.015f);
  const fvec g1(H1, 1.f), be1(H1, 0.f), g2(H2, 1.f), be2(H2, 0.f);
  fvec rm1(H1, 0.f), rv1(H1, 1.f), rm2(H2, 0.f), rv2(H2, 1.f);
  fvec h1(B * H1), n1(B * H1), a1(B * H1), h2(B * H2), n2(B * H2), out(B * H2), sm1(H1), si1(H1), sm2(H2),
      si2(H2);
  fvec dn2(B * H2), dh2(B * H2), dw2(w2.size()), db2(H2), da1(B * H1), dn1(B * H1), dh1(B * H1),
      dw1(w1.size()), db1(H1), dx(x.size()), dg1(H1), dbe1(H1), dg2(H2), dbe2(H2);
  for (auto _ : st) {
    cpu::gemm(false, true, B, H1, I, 1.f, x.data(), I, w1.data(), I, 0.f, h1.data(), H1);
    cpu::bias_add<float>(B, H1, 1, b1.data(), h1.data());
    cpu::batch_norm_forward_train<float>({B, H1, 1}, {}, h1.data(), g1.data(), be1.data(), n1.data(),
                                         sm1.data(), si1.data(), rm1.data(), rv1.data());
    leaky(n1.data(), a1.data(), a1.size());
    cpu::gemm(false, true, B, H2, H1, 1.f, a1.data(), H1, w2.data(), H1, 0.f, h2.data(), H2);
    cpu::bias_add<float>(B, H2, 1, b2.data(), h2.data());
    cpu::batch_norm_forward_train<float>({B, H2, 1}, {}, h2.data(), g2.data(), be2.data(), n2.data(),
                                         sm2.data(), si2.data(), rm2.data(), rv2.data());
    leaky(n2.data(), out.data(), out.size());
    for (std::size_t i = 0; i < out.size(); ++i) dn2[i] = 2 * out[i] * (n2[i] > 0 ? 1.f : 0.2f);
    cpu::batch_norm_backward_train<float>({B, H2, 1}, h2.data(), g2.data(), sm2.data(), si2.data(),
                                          dn2.data(), dh2.data(), dg2.data(), dbe2.data());
    cpu::gemm(true, false, H2, H1, B, 1.f, dh2.data(), H2, a1.data(), H1, 0.f, dw2.data(), H1);
    cpu::bias_backward<float>(B, H2, 1, dh2.data(), db2.data());
    cpu::gemm(false, false, B, H1, H2, 1.f, dh2.data(), H2, w2.data(), H1, 0.f, da1.data(), H1);
    for (std::size_t i = 0; i < da1.size(); ++i) dn1[i] = da1[i] * (n1[i] > 0 ? 1.f : 0.2f);
    cpu::batch_norm_backward_train<float>({B, H1, 1}, h1.data(), g1.data(), sm1.data(), si1.data(),
                                          dn1.data(), dh1.data(), dg1.data(), dbe1.data());
    cpu::gemm(true, false, H1, I, B, 1.f, dh1.data(), H1, x.data(), I, 0.f, dw1.data(), I);
    cpu::bias_backward<float>(B, H1, 1, dh1.data(), db1.data());
    cpu::gemm(false, false, B, I, H1, 1.f, dh1.data(), H1, w1.data(), I, 0.f, dx.data(), I);
    benchmark::DoNotOptimize(dx.data());
  }
}

void bm_gru(benchmark::State& st) {
  const index_t B = 16, T = 16, I = 100, H = 100;
  const fvec x = rnd(static_cast<std::size_t>(T * B * I), 1), h0 = rnd(static_cast<std::size_t>(B * H), 2),
             wih = rnd(static_cast<std::size_t>(3 * H * I), 3, 0.1f),
             whh = rnd(static_cast<std::size_t>(3 * H * H), 4, 0.1f), bih = rnd(3 * H, 5, 0.1f),
             bhh = rnd(3 * H, 6, 0.1f);
  const cpu::rnn_shape s{T, B, I, H};
  const cpu::rnn_weights<float> w{wih.data(), whh.data(), bih.data(), bhh.data()};
  fvec y(static_cast<std::size_t>(T * B * H)), dy(y.size()),
      saved(static_cast<std::size_t>(cpu::gru_saved_size(s))), dx(x.size()), dh0(h0.size()), dwih(wih.size()),
      dwhh(whh.size()), dbih(bih.size()), dbhh(bhh.size());
  for (auto _ : st) {
    cpu::gru_forward(s, {}, x.data(), h0.data(), w, y.data(), static_cast<float*>(nullptr), saved.data());
    for (std::size_t i = 0; i < y.size(); ++i) dy[i] = 2 * y[i];
    cpu::gru_backward(s, {}, x.data(), h0.data(), w, saved.data(), dy.data(),
                      static_cast<const float*>(nullptr), dx.data(), dh0.data(),
                      {dwih.data(), dwhh.data(), dbih.data(), dbhh.data()});
    benchmark::DoNotOptimize(dx.data());
  }
}

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RegisterBenchmark(name("lstm", 2048, 24).c_str(), bm_lstm)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark(name("mlp_bn", 256, 24).c_str(), bm_mlp_bn)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark(name("gru", 100, 16).c_str(), bm_gru)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
