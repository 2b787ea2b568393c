// One training step (forward + backward, loss = Σ y², gradients w.r.t. every parameter and the
// input, train mode; no optimizer step) of the HGAN/HALO models of ../shared/bench/nn_step_torch.py,
// built from hamgen::nn layers on the autodiff tape. Names use the peer's bench names and keys
// (the peer's "bench" field is the model: mlp_bn, dcgan_gen, ...), so compare.py joins them:
//   <bench>|impl=hamgen|dtype=float32|size=<size>|batch=<batch>
// Run (2 threads, as the peer with --threads 2):
//   HAMGEN_NUM_THREADS=2 build/benchmarks/bench_nn_step --benchmark_format=json > nn_step_t2.json
//   /usr/bin/python3 ../shared/bench/nn_step_torch.py --threads 2 > torch_t2.jsonl
//   benchmarks/compare.py nn_step_t2.json torch_t2.jsonl --threads 2
#include <benchmark/benchmark.h>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/nn/activation.hpp>
#include <hamgen/nn/batch_norm.hpp>
#include <hamgen/nn/conv.hpp>
#include <hamgen/nn/linear.hpp>
#include <hamgen/nn/rnn.hpp>
#include <hamgen/nn/sequential.hpp>

#include <dlfcn.h>

#include <string>

using namespace hamgen;
namespace ad = hamgen::autodiff;
using bn2 = nn::batch_norm2d<float>;
using bn3 = nn::batch_norm3d<float>;

namespace {

constexpr std::size_t nz = 70, ngf = 32, ndf = 32;

// Peak heap of the training steps when benchmarks/heap_peak.cpp is preloaded (LD_PRELOAD): reset
// after the model and its input exist (and the allocator's block cache went back to the heap), read
// after the timed steps: the counter step_heap_bytes = the most bytes the steps held at once
// (activations, gradients, workspaces). nn_step_memory.py measures the peer the same way.
struct heap_probe {
  using reset_fn = void (*)();
  using get_fn = long long (*)();
  reset_fn reset = reinterpret_cast<reset_fn>(dlsym(RTLD_DEFAULT, "heap_peak_reset"));
  get_fn get = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "heap_peak_get"));
};

template <class Model>
void step_loop(benchmark::State& st, Model& model, const shape& in_shape, std::uint64_t case_index) {
  generator g(2027 + case_index);
  const auto x0 = normal<float>(in_shape, g);
  model.train(true);
  static const heap_probe probe;
  if (probe.reset) {
    nn::zero_grad(model); // no gradient buffers before the steps (as a fresh torch model)
    device_allocator<cpu_t>::release_cached();
    probe.reset();
  }
  tensor<float> x_grad; // the input's gradient (torch's x.grad; reset to None each step)
  auto step = [&] {
    nn::zero_grad(model);
    x_grad = tensor<float>();
    tape t;
    auto x = t.reference(x0, &x_grad); // a gradient-requiring leaf reading x0 in place
    auto y = model.forward(t, x);
    // retain_graph = false: the sweep frees each value once nothing can read it (PyTorch's default)
    backward(t, ad::sum(ad::square(y)), {.retain_graph = false});
  };
  // Timing runs warm up with one step, as the peer does: with 20 short repetitions of one step each,
  // an unwarmed first step (fresh gradient buffers, page faults) would be every sample. The heap
  // probe instead measures from a fresh model, as torch's side does.
  if (!probe.reset) step();
  for (auto _ : st) {
    step();
    benchmark::DoNotOptimize(x_grad.data());
  }
  if (probe.get) st.counters["step_heap_bytes"] = double(probe.get());
}

nn::conv_transpose2d<float> ct(std::size_t in, std::size_t out, std::size_t k, std::size_t s, std::size_t p,
                               generator& g) {
  return nn::conv_transpose2d<float>(
      {.in = in, .out = out, .kernel = k, .stride = s, .padding = p, .bias = false}, g);
}
nn::conv2d<float> c2(std::size_t in, std::size_t out, std::size_t k, std::size_t s, std::size_t p,
                     generator& g, bool bias = false) {
  return nn::conv2d<float>({.in = in, .out = out, .kernel = k, .stride = s, .padding = p, .bias = bias}, g);
}
nn::conv3d<float> c3(std::size_t in, std::size_t out, generator& g) {
  return nn::conv3d<float>({.in = in, .out = out, .kernel = 4, .stride = 2, .padding = 1, .bias = false}, g);
}
bn2 b2(std::size_t c) { return bn2({.features = c}); }
bn3 b3(std::size_t c) { return bn3({.features = c}); }
// activations as in the peer: in place (nn.ReLU(True), nn.LeakyReLU(0.2, True)) in the conv models,
// out of place in mlp_bn
const nn::leaky_relu lrelu{{.slope = 0.2}};
const nn::leaky_relu lrelu_{{.slope = 0.2, .inplace = true}};
const nn::relu relu_{{.inplace = true}};

void mlp_bn(benchmark::State& st) {
  generator g(0);
  nn::sequential m{
      nn::linear<float>({.in = 256, .out = 4096}, g),  nn::batch_norm1d<float>({.features = 4096}), lrelu,
      nn::linear<float>({.in = 4096, .out = 2048}, g), nn::batch_norm1d<float>({.features = 2048}), lrelu};
  step_loop(st, m, {24, 256}, 0);
}
void dcgan_gen_96(benchmark::State& st) {
  generator g(0);
  nn::sequential m{ct(nz, 8 * ngf, 6, 1, 0, g),      b2(8 * ngf), relu_,
                   ct(8 * ngf, 4 * ngf, 4, 2, 1, g), b2(4 * ngf), relu_,
                   ct(4 * ngf, 2 * ngf, 4, 2, 1, g), b2(2 * ngf), relu_,
                   ct(2 * ngf, ngf, 4, 2, 1, g),     b2(ngf),     relu_,
                   ct(ngf, 3, 4, 2, 1, g),           nn::tanh{}};
  step_loop(st, m, {16, nz, 1, 1}, 1);
}
void dcgan_gen_32(benchmark::State& st) {
  generator g(0);
  nn::sequential m{
      ct(nz, 4 * ngf, 4, 1, 0, g),  b2(4 * ngf), relu_, ct(4 * ngf, 2 * ngf, 4, 2, 1, g), b2(2 * ngf), relu_,
      ct(2 * ngf, ngf, 4, 2, 1, g), b2(ngf),     relu_, ct(ngf, 3, 4, 2, 1, g),           nn::tanh{}};
  step_loop(st, m, {16, nz, 1, 1}, 2);
}
void dcgan_disc_96(benchmark::State& st) {
  generator g(0);
  nn::sequential m{c2(3, ndf, 4, 2, 1, g),
                   lrelu_,
                   c2(ndf, 2 * ndf, 4, 2, 1, g),
                   b2(2 * ndf),
                   lrelu_,
                   c2(2 * ndf, 4 * ndf, 4, 2, 1, g),
                   b2(4 * ndf),
                   lrelu_,
                   c2(4 * ndf, 8 * ndf, 4, 2, 1, g),
                   b2(8 * ndf),
                   lrelu_,
                   c2(8 * ndf, 1, 6, 1, 0, g),
                   nn::sigmoid{}};
  step_loop(st, m, {16, 3, 96, 96}, 3);
}
void dcgan_disc_32(benchmark::State& st) {
  generator g(0);
  nn::sequential m{c2(3, ndf, 4, 2, 1, g),
                   lrelu_,
                   c2(ndf, 2 * ndf, 4, 2, 1, g),
                   b2(2 * ndf),
                   lrelu_,
                   c2(2 * ndf, 4 * ndf, 4, 2, 1, g),
                   b2(4 * ndf),
                   lrelu_,
                   c2(4 * ndf, 1, 4, 1, 0, g),
                   nn::sigmoid{}};
  step_loop(st, m, {16, 3, 32, 32}, 4);
}
template <std::size_t Size>
void video_disc(benchmark::State& st) {
  generator g(0);
  const std::size_t flat = 8 * ndf * 1 * (Size / 16) * (Size / 16);
  nn::sequential m{c3(3, ndf, g),
                   lrelu_,
                   c3(ndf, 2 * ndf, g),
                   b3(2 * ndf),
                   lrelu_,
                   c3(2 * ndf, 4 * ndf, g),
                   b3(4 * ndf),
                   lrelu_,
                   c3(4 * ndf, 8 * ndf, g),
                   b3(8 * ndf),
                   lrelu_,
                   nn::flatten{},
                   nn::linear<float>({.in = flat, .out = 1}, g),
                   nn::sigmoid{}};
  step_loop(st, m, {16, 3, 16, Size, Size}, Size == 96 ? 5 : 6);
}
void lstm(benchmark::State& st) {
  generator g(0);
  nn::lstm<float> m({.input = 2048, .hidden = 128, .layers = 2, .batch_first = true, .bidirectional = true},
                    g);
  step_loop(st, m, {24, 8, 2048}, 7);
}
void halo_conv(benchmark::State& st) {
  generator g(0);
  nn::sequential m{
      c2(3, 256, 5, 1, 2, g, true),   b2(256), lrelu_, c2(256, 256, 5, 2, 2, g, true), b2(256), lrelu_,
      c2(256, 256, 5, 2, 2, g, true), b2(256), lrelu_, c2(256, 256, 5, 2, 2, g, true), b2(256), lrelu_,
      c2(256, 256, 5, 1, 2, g, true), b2(256), lrelu_};
  step_loop(st, m, {8, 3, 64, 64}, 8);
}

void reg(const char* name, void (*fn)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name, fn)->Unit(benchmark::kMillisecond)->UseRealTime();
}
[[maybe_unused]] const bool registered = [] {
  reg("mlp_bn|impl=hamgen|dtype=float32|size=256|batch=24", mlp_bn);
  reg("dcgan_gen|impl=hamgen|dtype=float32|size=96|batch=16", dcgan_gen_96);
  reg("dcgan_gen|impl=hamgen|dtype=float32|size=32|batch=16", dcgan_gen_32);
  reg("dcgan_disc|impl=hamgen|dtype=float32|size=96|batch=16", dcgan_disc_96);
  reg("dcgan_disc|impl=hamgen|dtype=float32|size=32|batch=16", dcgan_disc_32);
  reg("video_disc|impl=hamgen|dtype=float32|size=96|batch=16", video_disc<96>);
  reg("video_disc|impl=hamgen|dtype=float32|size=32|batch=16", video_disc<32>);
  reg("lstm|impl=hamgen|dtype=float32|size=2048|batch=24", lstm);
  reg("halo_conv|impl=hamgen|dtype=float32|size=64|batch=8", halo_conv);
  return true;
}();

} // namespace

BENCHMARK_MAIN();
