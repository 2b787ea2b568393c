// Raw CPU convolution kernels at the layer shapes of the HGAN/HALO models (nn_step_torch.py):
// one timed call = forward + backward data + backward weight of one layer (float32, batch as
// in the peer), or of all the conv layers of a model ("layer=<model>_all").
// Names: "conv|impl=hamgen|dtype=float32|layer=dcgan_disc_32_l1|batch=16|threads=N".
// Threads: HAMGEN_NUM_THREADS (default: all cores).
//   build/benchmarks/bench_conv --benchmark_min_time=0.01        (smoke run)
//   HAMGEN_NUM_THREADS=1 build/benchmarks/bench_conv --benchmark_format=json > conv_t1.json
#include <hamgen/backend/cpu/conv.hpp>

#include <benchmark/benchmark.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

namespace cpu = hamgen::backend::cpu;
using cpu::index_t;

namespace {

// One layer's buffers and a closure running forward + both backward kernels.
struct layer_case {
  std::string name;
  std::vector<float> x, w, y, dy, dx, dw;
  std::function<void(layer_case&)> step;
  double flops = 0; // multiply-adds * 2 of the three kernels
};

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& e : v) e = d(rng);
  return v;
}

template <std::size_t D>
index_t prod(const std::array<index_t, D>& a) {
  index_t r = 1;
  for (auto e : a) r *= e;
  return r;
}

template <std::size_t D>
layer_case make_conv(std::string name, cpu::conv_shape<D> s, cpu::conv_options<D> o) {
  layer_case c;
  c.name = std::move(name);
  const auto out = cpu::conv_output_size(s, o);
  const auto nx = static_cast<std::size_t>(s.batch * s.in_channels * prod(s.input));
  const auto nw = static_cast<std::size_t>(s.out_channels * s.in_channels * prod(s.kernel));
  const auto ny = static_cast<std::size_t>(s.batch * s.out_channels * prod(out));
  c.x = random_floats(nx, 1);
  c.w = random_floats(nw, 2);
  c.dy = random_floats(ny, 3);
  c.y.resize(ny);
  c.dx.resize(nx);
  c.dw.resize(nw);
  c.flops = 3.0 * 2.0 * static_cast<double>(s.batch * prod(out)) * static_cast<double>(nw);
  c.step = [s, o](layer_case& l) {
    cpu::conv_forward(s, o, l.x.data(), l.w.data(), static_cast<const float*>(nullptr), l.y.data());
    cpu::conv_backward_data(s, o, l.dy.data(), l.w.data(), l.dx.data());
    cpu::conv_backward_weight(s, o, l.x.data(), l.dy.data(), l.dw.data());
  };
  return c;
}

layer_case make_convt(std::string name, cpu::conv_shape<2> s, cpu::conv_transpose_options<2> o) {
  layer_case c;
  c.name = std::move(name);
  const auto out = cpu::conv_transpose_output_size(s, o);
  const auto nx = static_cast<std::size_t>(s.batch * s.in_channels * prod(s.input));
  const auto nw = static_cast<std::size_t>(s.out_channels * s.in_channels * prod(s.kernel));
  const auto ny = static_cast<std::size_t>(s.batch * s.out_channels * prod(out));
  c.x = random_floats(nx, 1);
  c.w = random_floats(nw, 2);
  c.dy = random_floats(ny, 3);
  c.y.resize(ny);
  c.dx.resize(nx);
  c.dw.resize(nw);
  c.flops = 3.0 * 2.0 * static_cast<double>(s.batch * prod(s.input)) * static_cast<double>(nw);
  c.step = [s, o](layer_case& l) {
    cpu::conv_transpose_forward(s, o, l.x.data(), l.w.data(), static_cast<const float*>(nullptr), l.y.data());
    cpu::conv_transpose_backward_data(s, o, l.dy.data(), l.w.data(), l.dx.data());
    cpu::conv_transpose_backward_weight(s, o, l.x.data(), l.dy.data(), l.dw.data());
  };
  return c;
}

using S2 = cpu::conv_shape<2>;
using S3 = cpu::conv_shape<3>;
const cpu::conv_options<2> k4s2p1{.stride = {2, 2}, .padding = {1, 1}};
const cpu::conv_transpose_options<2> t4s2p1{.stride = {2, 2}, .padding = {1, 1}};
const cpu::conv_options<3> k4s2p1_3d{.stride = {2, 2, 2}, .padding = {1, 1, 1}};

std::vector<std::vector<layer_case>> models(index_t B) {
  std::vector<std::vector<layer_case>> m;
  // DCGAN discriminator 32 and 96 (ndf 32, no bias)
  m.push_back({make_conv<2>("dcgan_disc_32_l1", S2{B, 3, 32, {32, 32}, {4, 4}}, k4s2p1),
               make_conv<2>("dcgan_disc_32_l2", S2{B, 32, 64, {16, 16}, {4, 4}}, k4s2p1),
               make_conv<2>("dcgan_disc_32_l3", S2{B, 64, 128, {8, 8}, {4, 4}}, k4s2p1),
               make_conv<2>("dcgan_disc_32_l4", S2{B, 128, 1, {4, 4}, {4, 4}}, {})});
  m.push_back({make_conv<2>("dcgan_disc_96_l1", S2{B, 3, 32, {96, 96}, {4, 4}}, k4s2p1),
               make_conv<2>("dcgan_disc_96_l2", S2{B, 32, 64, {48, 48}, {4, 4}}, k4s2p1),
               make_conv<2>("dcgan_disc_96_l3", S2{B, 64, 128, {24, 24}, {4, 4}}, k4s2p1),
               make_conv<2>("dcgan_disc_96_l4", S2{B, 128, 256, {12, 12}, {4, 4}}, k4s2p1),
               make_conv<2>("dcgan_disc_96_l5", S2{B, 256, 1, {6, 6}, {6, 6}}, {})});
  // DCGAN generator 32 and 96 (nz 70, ngf 32): transposed convolutions
  m.push_back({make_convt("dcgan_gen_32_l1", S2{B, 70, 128, {1, 1}, {4, 4}}, {}),
               make_convt("dcgan_gen_32_l2", S2{B, 128, 64, {4, 4}, {4, 4}}, t4s2p1),
               make_convt("dcgan_gen_32_l3", S2{B, 64, 32, {8, 8}, {4, 4}}, t4s2p1),
               make_convt("dcgan_gen_32_l4", S2{B, 32, 3, {16, 16}, {4, 4}}, t4s2p1)});
  m.push_back({make_convt("dcgan_gen_96_l1", S2{B, 70, 256, {1, 1}, {6, 6}}, {}),
               make_convt("dcgan_gen_96_l2", S2{B, 256, 128, {6, 6}, {4, 4}}, t4s2p1),
               make_convt("dcgan_gen_96_l3", S2{B, 128, 64, {12, 12}, {4, 4}}, t4s2p1),
               make_convt("dcgan_gen_96_l4", S2{B, 64, 32, {24, 24}, {4, 4}}, t4s2p1),
               make_convt("dcgan_gen_96_l5", S2{B, 32, 3, {48, 48}, {4, 4}}, t4s2p1)});
  // video discriminator (Conv3d, 16 frames) at 32
  m.push_back({make_conv<3>("video_disc_32_l1", S3{B, 3, 32, {16, 32, 32}, {4, 4, 4}}, k4s2p1_3d),
               make_conv<3>("video_disc_32_l2", S3{B, 32, 64, {8, 16, 16}, {4, 4, 4}}, k4s2p1_3d),
               make_conv<3>("video_disc_32_l3", S3{B, 64, 128, {4, 8, 8}, {4, 4, 4}}, k4s2p1_3d),
               make_conv<3>("video_disc_32_l4", S3{B, 128, 256, {2, 4, 4}, {4, 4, 4}}, k4s2p1_3d)});
  return m;
}

std::vector<layer_case> halo_layers() {
  const index_t B = 8;
  const cpu::conv_options<2> s1{.padding = {2, 2}}, s2{.stride = {2, 2}, .padding = {2, 2}};
  return {make_conv<2>("halo_conv_64_l1", S2{B, 3, 256, {64, 64}, {5, 5}}, s1),
          make_conv<2>("halo_conv_64_l2", S2{B, 256, 256, {64, 64}, {5, 5}}, s2),
          make_conv<2>("halo_conv_64_l3", S2{B, 256, 256, {32, 32}, {5, 5}}, s2),
          make_conv<2>("halo_conv_64_l4", S2{B, 256, 256, {16, 16}, {5, 5}}, s2),
          make_conv<2>("halo_conv_64_l5", S2{B, 256, 256, {8, 8}, {5, 5}}, s1)};
}

std::string bench_name(const std::string& layer, index_t batch) {
  return "conv|impl=hamgen|dtype=float32|layer=" + layer + "|batch=" + std::to_string(batch) +
         "|threads=" + std::to_string(cpu::num_threads());
}

void register_model(std::vector<layer_case>* layers, index_t batch) {
  double total_flops = 0;
  for (auto& l : *layers) {
    total_flops += l.flops;
    layer_case* lp = &l;
    benchmark::RegisterBenchmark(bench_name(l.name, batch).c_str(),
                                 [lp](benchmark::State& st) {
                                   for (auto _ : st) {
                                     lp->step(*lp);
                                     benchmark::DoNotOptimize(lp->dw.data());
                                   }
                                   st.counters["GFLOPS"] = benchmark::Counter(
                                       lp->flops * static_cast<double>(st.iterations()) * 1e-9,
                                       benchmark::Counter::kIsRate);
                                 })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  std::string all = layers->front().name;
  all = all.substr(0, all.rfind('_')) + "_all";
  benchmark::RegisterBenchmark(bench_name(all, batch).c_str(),
                               [layers, total_flops](benchmark::State& st) {
                                 for (auto _ : st)
                                   for (auto& l : *layers) {
                                     l.step(l);
                                     benchmark::DoNotOptimize(l.dw.data());
                                   }
                                 st.counters["GFLOPS"] = benchmark::Counter(
                                     total_flops * static_cast<double>(st.iterations()) * 1e-9,
                                     benchmark::Counter::kIsRate);
                               })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  static auto all = models(16);
  static auto halo = halo_layers();
  for (auto& m : all) register_model(&m, 16);
  register_model(&halo, 8);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
