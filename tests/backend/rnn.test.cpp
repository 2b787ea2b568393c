#include <hamgen/backend/cpu/rnn.hpp>

#include "kernel_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace cpu = hamgen::backend::cpu;
using cpu::index_t;
using kernel_test::dot;
using kernel_test::fd_gradient;
using kernel_test::random_vector;
using kernel_test::rel_error;
using vec = std::vector<double>;

namespace {

double sig(double a) { return 1.0 / (1.0 + std::exp(-a)); }

// Parameters and inputs of one test problem.
struct problem {
  cpu::rnn_shape s;
  cpu::rnn_options o;
  index_t gates;
  vec x, h0, c0, wih, whh, bih, bhh;
  bool use_h0, use_bias;
};

problem make_problem(cpu::rnn_shape s, cpu::rnn_options o, index_t gates, bool use_h0, bool use_bias,
                     unsigned seed) {
  problem p{s, o, gates, {}, {}, {}, {}, {}, {}, {}, use_h0, use_bias};
  const auto H = static_cast<std::size_t>(s.hidden), I = static_cast<std::size_t>(s.input),
             N = static_cast<std::size_t>(s.batch), T = static_cast<std::size_t>(s.seq),
             G = static_cast<std::size_t>(gates) * H;
  p.x = random_vector(T * N * I, seed);
  p.h0 = random_vector(N * H, seed + 1);
  p.c0 = random_vector(N * H, seed + 2);
  p.wih = random_vector(G * I, seed + 3, -0.6, 0.6);
  p.whh = random_vector(G * H, seed + 4, -0.6, 0.6);
  p.bih = random_vector(G, seed + 5);
  p.bhh = random_vector(G, seed + 6);
  return p;
}

// Naive step-by-step reference: returns y (rows in x order, stride H) followed by h_n and c_n.
vec naive_rnn(const problem& p, const vec& x, const vec& h0, const vec& c0, const vec& wih, const vec& whh,
              const vec& bih, const vec& bhh) {
  const index_t H = p.s.hidden, I = p.s.input, N = p.s.batch, T = p.s.seq;
  vec y(static_cast<std::size_t>(T * N * H));
  vec h(static_cast<std::size_t>(N * H), 0.0), c(static_cast<std::size_t>(N * H), 0.0);
  if (p.use_h0) {
    h = h0;
    c = c0;
  }
  auto row = [&](index_t t, index_t n) { return p.o.batch_first ? n * T + t : t * N + n; };
  for (index_t step = 0; step < T; ++step) {
    const index_t t = p.o.reverse ? T - 1 - step : step;
    vec hn = h, cn = c;
    for (index_t n = 0; n < N; ++n) {
      const double* xt = x.data() + row(t, n) * I;
      auto lin_x = [&](index_t g) {
        double a = p.use_bias ? bih[g] : 0.0;
        for (index_t k = 0; k < I; ++k) a += wih[g * I + k] * xt[k];
        return a;
      };
      auto lin_h = [&](index_t g) {
        double a = p.use_bias ? bhh[g] : 0.0;
        for (index_t k = 0; k < H; ++k) a += whh[g * H + k] * h[n * H + k];
        return a;
      };
      for (index_t j = 0; j < H; ++j) {
        if (p.gates == 4) {
          const double i = sig(lin_x(j) + lin_h(j));
          const double f = sig(lin_x(H + j) + lin_h(H + j));
          const double g = std::tanh(lin_x(2 * H + j) + lin_h(2 * H + j));
          const double o = sig(lin_x(3 * H + j) + lin_h(3 * H + j));
          cn[n * H + j] = f * c[n * H + j] + i * g;
          hn[n * H + j] = o * std::tanh(cn[n * H + j]);
        } else {
          const double r = sig(lin_x(j) + lin_h(j));
          const double z = sig(lin_x(H + j) + lin_h(H + j));
          const double nn = std::tanh(lin_x(2 * H + j) + r * lin_h(2 * H + j));
          hn[n * H + j] = (1 - z) * nn + z * h[n * H + j];
        }
        y[row(t, n) * H + j] = hn[n * H + j];
      }
    }
    h = hn;
    c = cn;
  }
  y.insert(y.end(), h.begin(), h.end());
  if (p.gates == 4) y.insert(y.end(), c.begin(), c.end());
  return y;
}

void check_rnn(const problem& p, unsigned seed) {
  const index_t H = p.s.hidden, N = p.s.batch, T = p.s.seq;
  const bool lstm = p.gates == 4;
  const index_t stride = p.o.output_stride ? p.o.output_stride : H;
  const index_t offset = stride > H ? 1 : 0; // write into a wider buffer at an offset
  const auto ref = naive_rnn(p, p.x, p.h0, p.c0, p.wih, p.whh, p.bih, p.bhh);
  const auto rows = static_cast<std::size_t>(T * N);
  const cpu::rnn_weights<double> w{.w_ih = p.wih.data(),
                                   .w_hh = p.whh.data(),
                                   .b_ih = p.use_bias ? p.bih.data() : nullptr,
                                   .b_hh = p.use_bias ? p.bhh.data() : nullptr};
  const double* h0 = p.use_h0 ? p.h0.data() : nullptr;
  const double* c0 = p.use_h0 ? p.c0.data() : nullptr;
  vec ybuf(rows * static_cast<std::size_t>(stride) + 1, -5.0), hn(static_cast<std::size_t>(N * H)),
      cn(static_cast<std::size_t>(N * H));
  vec saved(static_cast<std::size_t>(lstm ? cpu::lstm_saved_size(p.s) : cpu::gru_saved_size(p.s)));
  if (lstm)
    cpu::lstm_forward(p.s, p.o, p.x.data(), h0, c0, w, ybuf.data() + offset, hn.data(), cn.data(),
                      saved.data());
  else
    cpu::gru_forward(p.s, p.o, p.x.data(), h0, w, ybuf.data() + offset, hn.data(), saved.data());
  vec got;
  for (std::size_t r = 0; r < rows; ++r)
    for (index_t j = 0; j < H; ++j) got.push_back(ybuf[r * static_cast<std::size_t>(stride) + offset + j]);
  got.insert(got.end(), hn.begin(), hn.end());
  if (lstm) got.insert(got.end(), cn.begin(), cn.end());
  CHECK(rel_error(got, ref) < 1e-12);
  if (offset) CHECK(ybuf[0] == -5.0); // the other direction's slot is untouched

  // backward vs finite differences of <(y, h_n, c_n), G>
  const auto G = random_vector(ref.size(), seed);
  vec dybuf(ybuf.size(), 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (index_t j = 0; j < H; ++j) dybuf[r * static_cast<std::size_t>(stride) + offset + j] = G[r * H + j];
  const double* dhn = G.data() + rows * H;
  const double* dcn = lstm ? dhn + N * H : nullptr;
  vec dx(p.x.size()), dh0(p.h0.size()), dc0(p.c0.size()), dwih(p.wih.size()), dwhh(p.whh.size()),
      dbih(p.bih.size()), dbhh(p.bhh.size());
  const cpu::rnn_weight_grads<double> dw{
      .w_ih = dwih.data(), .w_hh = dwhh.data(), .b_ih = dbih.data(), .b_hh = dbhh.data()};
  if (lstm)
    cpu::lstm_backward(p.s, p.o, p.x.data(), h0, c0, w, saved.data(), dybuf.data() + offset, dhn, dcn,
                       dx.data(), dh0.data(), dc0.data(), dw);
  else
    cpu::gru_backward(p.s, p.o, p.x.data(), h0, w, saved.data(), dybuf.data() + offset, dhn, dx.data(),
                      dh0.data(), dw);
  auto L = [&](const vec& x, const vec& a, const vec& b, const vec& wi, const vec& wh, const vec& bi,
               const vec& bh) { return dot(naive_rnn(p, x, a, b, wi, wh, bi, bh), G); };
  CHECK(rel_error(dx, fd_gradient([&](const vec& v) { return L(v, p.h0, p.c0, p.wih, p.whh, p.bih, p.bhh); },
                                  p.x)) < 1e-6);
  CHECK(rel_error(dwih, fd_gradient([&](const vec& v) { return L(p.x, p.h0, p.c0, v, p.whh, p.bih, p.bhh); },
                                    p.wih)) < 1e-6);
  CHECK(rel_error(dwhh, fd_gradient([&](const vec& v) { return L(p.x, p.h0, p.c0, p.wih, v, p.bih, p.bhh); },
                                    p.whh)) < 1e-6);
  if (p.use_bias) {
    CHECK(
        rel_error(dbih, fd_gradient([&](const vec& v) { return L(p.x, p.h0, p.c0, p.wih, p.whh, v, p.bhh); },
                                    p.bih)) < 1e-6);
    CHECK(
        rel_error(dbhh, fd_gradient([&](const vec& v) { return L(p.x, p.h0, p.c0, p.wih, p.whh, p.bih, v); },
                                    p.bhh)) < 1e-6);
  }
  if (p.use_h0) {
    CHECK(
        rel_error(dh0, fd_gradient([&](const vec& v) { return L(p.x, v, p.c0, p.wih, p.whh, p.bih, p.bhh); },
                                   p.h0)) < 1e-6);
    if (lstm)
      CHECK(rel_error(dc0,
                      fd_gradient([&](const vec& v) { return L(p.x, p.h0, v, p.wih, p.whh, p.bih, p.bhh); },
                                  p.c0)) < 1e-6);
  }

  // float forward agrees
  auto f = [](const vec& v) { return kernel_test::cast<float>(v); };
  auto xf = f(p.x), h0f = f(p.h0), c0f = f(p.c0), wihf = f(p.wih), whhf = f(p.whh), bihf = f(p.bih),
       bhhf = f(p.bhh);
  const cpu::rnn_weights<float> wf{.w_ih = wihf.data(),
                                   .w_hh = whhf.data(),
                                   .b_ih = p.use_bias ? bihf.data() : nullptr,
                                   .b_hh = p.use_bias ? bhhf.data() : nullptr};
  std::vector<float> yf(ybuf.size()), hnf(hn.size()), cnf(cn.size());
  if (lstm)
    cpu::lstm_forward(p.s, p.o, xf.data(), p.use_h0 ? h0f.data() : nullptr, p.use_h0 ? c0f.data() : nullptr,
                      wf, yf.data() + offset, hnf.data(), cnf.data(), static_cast<float*>(nullptr));
  else
    cpu::gru_forward(p.s, p.o, xf.data(), p.use_h0 ? h0f.data() : nullptr, wf, yf.data() + offset, hnf.data(),
                     static_cast<float*>(nullptr));
  CHECK(rel_error(vec(hnf.begin(), hnf.end()), vec(ref.begin() + static_cast<long>(rows * H),
                                                   ref.begin() + static_cast<long>(rows * H + N * H))) <
        1e-5);
}

} // namespace

TEST_CASE("LSTM forward equals a naive step-by-step reference; BPTT matches finite differences",
          "[backend][rnn]") {
  const cpu::rnn_shape s{.seq = 4, .batch = 3, .input = 5, .hidden = 3};
  unsigned seed = 100;
  for (bool batch_first : {false, true})
    for (bool reverse : {false, true})
      for (bool use_h0 : {false, true}) {
        const cpu::rnn_options o{
            .batch_first = batch_first, .reverse = reverse, .output_stride = reverse ? 7 : 0};
        check_rnn(make_problem(s, o, 4, use_h0, !use_h0 || reverse, seed), seed + 50);
        seed += 10;
      }
}

TEST_CASE("GRU forward equals a naive step-by-step reference; BPTT matches finite differences",
          "[backend][rnn]") {
  const cpu::rnn_shape s{.seq = 5, .batch = 2, .input = 3, .hidden = 4};
  unsigned seed = 300;
  for (bool batch_first : {false, true})
    for (bool reverse : {false, true})
      for (bool use_h0 : {false, true}) {
        const cpu::rnn_options o{
            .batch_first = batch_first, .reverse = reverse, .output_stride = reverse ? 9 : 0};
        check_rnn(make_problem(s, o, 3, use_h0, !use_h0 || batch_first, seed), seed + 50);
        seed += 10;
      }
  // GRUCell use: one step at a time
  check_rnn(make_problem({.seq = 1, .batch = 4, .input = 3, .hidden = 2}, {}, 3, true, true, 500), 550);
}
