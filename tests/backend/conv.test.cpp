#include <hamgen/backend/cpu/conv.hpp>

#include "kernel_test_support.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

namespace cpu = hamgen::backend::cpu;
using cpu::index_t;
using kernel_test::fd_gradient;
using kernel_test::random_vector;
using kernel_test::rel_error;

namespace {

// A naive convolution written independently of the kernel: direct loops over
// (n, o, output position, c, kernel offset), D dims padded to 3 with leading 1s.
struct naive_geom {
  index_t n, cin, cout;
  std::array<index_t, 3> in, k, s, pb, d, out;
};

template <std::size_t D>
naive_geom naive_conv_geom(const cpu::conv_shape<D>& sh, const cpu::conv_options<D>& o) {
  naive_geom g{sh.batch,  sh.in_channels, sh.out_channels, {1, 1, 1}, {1, 1, 1},
               {1, 1, 1}, {0, 0, 0},      {1, 1, 1},       {1, 1, 1}};
  for (std::size_t i = 0; i < D; ++i) {
    const std::size_t j = 3 - D + i;
    g.in[j] = sh.input[i];
    g.k[j] = sh.kernel[i];
    g.s[j] = o.stride[i];
    g.pb[j] = o.padding[i];
    g.d[j] = o.dilation[i];
    const index_t pe = o.causal ? 0 : o.padding[i];
    g.out[j] = (sh.input[i] + o.padding[i] + pe - o.dilation[i] * (sh.kernel[i] - 1) - 1) / o.stride[i] + 1;
  }
  return g;
}

index_t vol(const std::array<index_t, 3>& a) { return a[0] * a[1] * a[2]; }

// Calls tap(y index, x index, w index, o) for every (output, input, weight) triple of the
// convolution y[n,o,out] = b[o] + sum w[o,c,k] x[n,c,out*s - p + k*d] that lies inside the input.
template <class F>
void for_each_tap(const naive_geom& g, F&& tap) {
  for (index_t n = 0; n < g.n; ++n)
    for (index_t o = 0; o < g.cout; ++o)
      for (index_t a0 = 0; a0 < g.out[0]; ++a0)
        for (index_t a1 = 0; a1 < g.out[1]; ++a1)
          for (index_t a2 = 0; a2 < g.out[2]; ++a2) {
            const auto yi = static_cast<std::size_t>(
                (((n * g.cout + o) * g.out[0] + a0) * g.out[1] + a1) * g.out[2] + a2);
            for (index_t c = 0; c < g.cin; ++c)
              for (index_t k0 = 0; k0 < g.k[0]; ++k0)
                for (index_t k1 = 0; k1 < g.k[1]; ++k1)
                  for (index_t k2 = 0; k2 < g.k[2]; ++k2) {
                    const index_t i0 = a0 * g.s[0] - g.pb[0] + k0 * g.d[0];
                    const index_t i1 = a1 * g.s[1] - g.pb[1] + k1 * g.d[1];
                    const index_t i2 = a2 * g.s[2] - g.pb[2] + k2 * g.d[2];
                    if (i0 < 0 || i1 < 0 || i2 < 0 || i0 >= g.in[0] || i1 >= g.in[1] || i2 >= g.in[2])
                      continue;
                    const auto xi = static_cast<std::size_t>(
                        (((n * g.cin + c) * g.in[0] + i0) * g.in[1] + i1) * g.in[2] + i2);
                    const auto wi = static_cast<std::size_t>(
                        (((o * g.cin + c) * g.k[0] + k0) * g.k[1] + k1) * g.k[2] + k2);
                    tap(yi, xi, wi);
                  }
          }
}

std::vector<double> naive_conv(const naive_geom& g, const std::vector<double>& x,
                               const std::vector<double>& w, const std::vector<double>* b) {
  std::vector<double> y(static_cast<std::size_t>(g.n * g.cout * vol(g.out)), 0.0);
  if (b) {
    const auto per_o = static_cast<std::size_t>(vol(g.out));
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = (*b)[(i / per_o) % static_cast<std::size_t>(g.cout)];
  }
  for_each_tap(g, [&](std::size_t yi, std::size_t xi, std::size_t wi) { y[yi] += x[xi] * w[wi]; });
  return y;
}

// The exact gradients of <naive_conv(x, w), G> in x and in w: the adjoint (scatter) loops of
// naive_conv (conv is linear in each argument).
void naive_conv_grads(const naive_geom& g, const std::vector<double>& x, const std::vector<double>& w,
                      const std::vector<double>& G, std::vector<double>& dx, std::vector<double>& dw) {
  dx.assign(x.size(), 0.0);
  dw.assign(w.size(), 0.0);
  for_each_tap(g, [&](std::size_t yi, std::size_t xi, std::size_t wi) {
    dx[xi] += w[wi] * G[yi];
    dw[wi] += x[xi] * G[yi];
  });
}

// Naive transposed convolution as a scatter: y[n,o,i*s - p + k*d] += x[n,c,i] w[c,o,k].
template <std::size_t D>
std::vector<double> naive_conv_transpose(const cpu::conv_shape<D>& sh,
                                         const cpu::conv_transpose_options<D>& o,
                                         const std::vector<double>& x, const std::vector<double>& w,
                                         const std::vector<double>* b, std::array<index_t, 3>& out) {
  std::array<index_t, 3> in{1, 1, 1}, k{1, 1, 1}, s{1, 1, 1}, p{0, 0, 0}, d{1, 1, 1};
  out = {1, 1, 1};
  for (std::size_t i = 0; i < D; ++i) {
    const std::size_t j = 3 - D + i;
    in[j] = sh.input[i];
    k[j] = sh.kernel[i];
    s[j] = o.stride[i];
    p[j] = o.padding[i];
    d[j] = o.dilation[i];
    out[j] = (sh.input[i] - 1) * o.stride[i] - 2 * o.padding[i] + o.dilation[i] * (sh.kernel[i] - 1) +
             o.output_padding[i] + 1;
  }
  const index_t N = sh.batch, C = sh.in_channels, O = sh.out_channels;
  std::vector<double> y(static_cast<std::size_t>(N * O * vol(out)), 0.0);
  for (index_t n = 0; n < N; ++n)
    for (index_t oc = 0; oc < O; ++oc)
      for (index_t q = 0; q < vol(out); ++q) y[(n * O + oc) * vol(out) + q] = b ? (*b)[oc] : 0.0;
  for (index_t n = 0; n < N; ++n)
    for (index_t c = 0; c < C; ++c)
      for (index_t i0 = 0; i0 < in[0]; ++i0)
        for (index_t i1 = 0; i1 < in[1]; ++i1)
          for (index_t i2 = 0; i2 < in[2]; ++i2)
            for (index_t oc = 0; oc < O; ++oc)
              for (index_t k0 = 0; k0 < k[0]; ++k0)
                for (index_t k1 = 0; k1 < k[1]; ++k1)
                  for (index_t k2 = 0; k2 < k[2]; ++k2) {
                    const index_t a0 = i0 * s[0] - p[0] + k0 * d[0];
                    const index_t a1 = i1 * s[1] - p[1] + k1 * d[1];
                    const index_t a2 = i2 * s[2] - p[2] + k2 * d[2];
                    if (a0 < 0 || a1 < 0 || a2 < 0 || a0 >= out[0] || a1 >= out[1] || a2 >= out[2]) continue;
                    y[(((n * O + oc) * out[0] + a0) * out[1] + a1) * out[2] + a2] +=
                        x[(((n * C + c) * in[0] + i0) * in[1] + i1) * in[2] + i2] *
                        w[(((c * O + oc) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                  }
  return y;
}

template <std::size_t D>
index_t prod(const std::array<index_t, D>& a) {
  index_t r = 1;
  for (auto e : a) r *= e;
  return r;
}

// Checks conv_forward against the naive loop (double and float) and every backward against
// central finite differences of <y, G>.
template <std::size_t D>
void check_conv(const cpu::conv_shape<D>& sh, const cpu::conv_options<D>& o, unsigned seed) {
  const auto g = naive_conv_geom(sh, o);
  const auto osz = cpu::conv_output_size(sh, o);
  for (std::size_t i = 0; i < D; ++i) REQUIRE(osz[i] == g.out[3 - D + i]);
  const auto nx = static_cast<std::size_t>(sh.batch * sh.in_channels * prod(sh.input));
  const auto nw = static_cast<std::size_t>(sh.out_channels * sh.in_channels * prod(sh.kernel));
  const auto ny = static_cast<std::size_t>(sh.batch * sh.out_channels * prod(osz));
  const auto x = random_vector(nx, seed), w = random_vector(nw, seed + 1),
             b = random_vector(sh.out_channels, seed + 2);
  const auto G = random_vector(ny, seed + 3);

  const auto y_ref = naive_conv(g, x, w, &b);
  std::vector<double> y(ny, -7.0);
  cpu::conv_forward(sh, o, x.data(), w.data(), b.data(), y.data());
  CHECK(rel_error(y, y_ref) < 1e-12);

  auto xf = kernel_test::cast<float>(x), wf = kernel_test::cast<float>(w), bf = kernel_test::cast<float>(b);
  std::vector<float> yf(ny);
  cpu::conv_forward(sh, o, xf.data(), wf.data(), bf.data(), yf.data());
  CHECK(rel_error(std::vector<double>(yf.begin(), yf.end()), y_ref) < 1e-5);

  // backward data vs FD of <conv(x, w), G> in x
  std::vector<double> dx(nx, 3.0);
  cpu::conv_backward_data(sh, o, G.data(), w.data(), dx.data());
  const auto fd_x = fd_gradient(
      [&](const std::vector<double>& xx) { return kernel_test::dot(naive_conv(g, xx, w, &b), G); }, x);
  CHECK(rel_error(dx, fd_x) < 1e-6);

  std::vector<double> dw(nw, 3.0);
  cpu::conv_backward_weight(sh, o, x.data(), G.data(), dw.data());
  const auto fd_w = fd_gradient(
      [&](const std::vector<double>& ww) { return kernel_test::dot(naive_conv(g, x, ww, &b), G); }, w);
  CHECK(rel_error(dw, fd_w) < 1e-6);

  std::vector<double> db(static_cast<std::size_t>(sh.out_channels), 3.0);
  cpu::bias_backward(sh.batch, sh.out_channels, prod(osz), G.data(), db.data());
  const auto fd_b = fd_gradient(
      [&](const std::vector<double>& bb) { return kernel_test::dot(naive_conv(g, x, w, &bb), G); }, b);
  CHECK(rel_error(db, fd_b) < 1e-6);

  // float backward agrees with double
  auto Gf = kernel_test::cast<float>(G);
  std::vector<float> dxf(nx), dwf(nw);
  cpu::conv_backward_data(sh, o, Gf.data(), wf.data(), dxf.data());
  cpu::conv_backward_weight(sh, o, xf.data(), Gf.data(), dwf.data());
  CHECK(rel_error(std::vector<double>(dxf.begin(), dxf.end()), dx) < 1e-5);
  CHECK(rel_error(std::vector<double>(dwf.begin(), dwf.end()), dw) < 1e-5);
}

template <std::size_t D>
void check_conv_transpose(const cpu::conv_shape<D>& sh, const cpu::conv_transpose_options<D>& o,
                          unsigned seed) {
  const auto osz = cpu::conv_transpose_output_size(sh, o);
  const auto nx = static_cast<std::size_t>(sh.batch * sh.in_channels * prod(sh.input));
  const auto nw = static_cast<std::size_t>(sh.out_channels * sh.in_channels * prod(sh.kernel));
  const auto ny = static_cast<std::size_t>(sh.batch * sh.out_channels * prod(osz));
  const auto x = random_vector(nx, seed), w = random_vector(nw, seed + 1),
             b = random_vector(sh.out_channels, seed + 2);
  const auto G = random_vector(ny, seed + 3);
  std::array<index_t, 3> out3{};
  const auto y_ref = naive_conv_transpose(sh, o, x, w, &b, out3);
  for (std::size_t i = 0; i < D; ++i) REQUIRE(osz[i] == out3[3 - D + i]);
  std::vector<double> y(ny, -7.0);
  cpu::conv_transpose_forward(sh, o, x.data(), w.data(), b.data(), y.data());
  CHECK(rel_error(y, y_ref) < 1e-12);

  std::array<index_t, 3> tmp{};
  std::vector<double> dx(nx, 3.0), dw(nw, 3.0);
  cpu::conv_transpose_backward_data(sh, o, G.data(), w.data(), dx.data());
  cpu::conv_transpose_backward_weight(sh, o, x.data(), G.data(), dw.data());
  const auto fd_x = fd_gradient(
      [&](const std::vector<double>& xx) {
        return kernel_test::dot(naive_conv_transpose(sh, o, xx, w, &b, tmp), G);
      },
      x);
  const auto fd_w = fd_gradient(
      [&](const std::vector<double>& ww) {
        return kernel_test::dot(naive_conv_transpose(sh, o, x, ww, &b, tmp), G);
      },
      w);
  CHECK(rel_error(dx, fd_x) < 1e-6);
  CHECK(rel_error(dw, fd_w) < 1e-6);

  auto xf = kernel_test::cast<float>(x), wf = kernel_test::cast<float>(w);
  std::vector<float> yf(ny);
  cpu::conv_transpose_forward(sh, o, xf.data(), wf.data(), static_cast<const float*>(nullptr), yf.data());
  const auto y_nob = naive_conv_transpose(sh, o, x, w, nullptr, tmp);
  CHECK(rel_error(std::vector<double>(yf.begin(), yf.end()), y_nob) < 1e-5);
}

} // namespace

TEST_CASE("conv1d forward matches a naive loop, backward matches finite differences", "[backend][conv]") {
  using S = cpu::conv_shape<1>;
  using O = cpu::conv_options<1>;
  check_conv<1>(S{.batch = 3, .in_channels = 2, .out_channels = 3, .input = {11}, .kernel = {3}}, O{}, 1);
  check_conv<1>(S{.batch = 2, .in_channels = 3, .out_channels = 2, .input = {13}, .kernel = {4}},
                O{.stride = {2}, .padding = {2}, .dilation = {2}}, 2);
  // causal temporal conv as in HALO's TCN: k4, padding 3 on the left only keeps the length
  const S causal{.batch = 2, .in_channels = 3, .out_channels = 3, .input = {9}, .kernel = {4}};
  const O co{.padding = {3}, .causal = true};
  CHECK(cpu::conv_output_size(causal, co)[0] == 9);
  check_conv<1>(causal, co, 3);
  check_conv<1>(S{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {10}, .kernel = {2}},
                O{.padding = {4}, .dilation = {4}, .causal = true}, 4);
}

TEST_CASE("causal conv1d output at time t depends only on inputs up to t", "[backend][conv]") {
  const cpu::conv_shape<1> sh{.batch = 1, .in_channels = 1, .out_channels = 1, .input = {8}, .kernel = {3}};
  const cpu::conv_options<1> o{.padding = {4}, .dilation = {2}, .causal = true};
  const auto x = random_vector(8, 5), w = random_vector(3, 6);
  std::vector<double> y(8), y2(8);
  cpu::conv_forward(sh, o, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
  auto x2 = x;
  x2[5] += 1.0;
  cpu::conv_forward(sh, o, x2.data(), w.data(), static_cast<const double*>(nullptr), y2.data());
  for (int t = 0; t < 5; ++t) CHECK(y[t] == y2[t]);
  CHECK(y[5] != y2[5]);
}

TEST_CASE("conv2d forward matches a naive loop, backward matches finite differences", "[backend][conv]") {
  using S = cpu::conv_shape<2>;
  using O = cpu::conv_options<2>;
  check_conv<2>(S{.batch = 3, .in_channels = 2, .out_channels = 3, .input = {7, 6}, .kernel = {3, 3}}, O{},
                10);
  // DCGAN block: k4 s2 p1 (odd input)
  check_conv<2>(S{.batch = 4, .in_channels = 3, .out_channels = 2, .input = {9, 8}, .kernel = {4, 4}},
                O{.stride = {2, 2}, .padding = {1, 1}}, 11);
  // HALO: k5 p2, stride 1 and 2
  check_conv<2>(S{.batch = 2, .in_channels = 2, .out_channels = 3, .input = {7, 7}, .kernel = {5, 5}},
                O{.stride = {2, 2}, .padding = {2, 2}}, 12);
  // mixed stride / padding / dilation per dim, non-square kernel
  check_conv<2>(S{.batch = 3, .in_channels = 2, .out_channels = 2, .input = {9, 10}, .kernel = {2, 3}},
                O{.stride = {1, 3}, .padding = {2, 1}, .dilation = {3, 2}}, 13);
  // a 1x1 output (the last discriminator layer) and a large batch (grouped GEMM path)
  check_conv<2>(S{.batch = 7, .in_channels = 3, .out_channels = 1, .input = {4, 4}, .kernel = {4, 4}}, O{},
                14);
}

TEST_CASE("conv3d forward matches a naive loop, backward matches finite differences", "[backend][conv]") {
  using S = cpu::conv_shape<3>;
  using O = cpu::conv_options<3>;
  check_conv<3>(S{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {5, 6, 5}, .kernel = {4, 4, 4}},
                O{.stride = {2, 2, 2}, .padding = {1, 1, 1}}, 20);
  check_conv<3>(S{.batch = 3, .in_channels = 1, .out_channels = 2, .input = {4, 5, 3}, .kernel = {2, 3, 1}},
                O{.stride = {1, 2, 1}, .padding = {0, 1, 1}, .dilation = {2, 1, 1}}, 21);
}

TEST_CASE("conv_transpose matches a naive scatter loop, backward matches finite differences",
          "[backend][conv]") {
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_transpose_options<2>;
  // DCGAN generator: first layer k4 from 1x1, then k4 s2 p1
  check_conv_transpose<2>(
      S2{.batch = 3, .in_channels = 4, .out_channels = 3, .input = {1, 1}, .kernel = {4, 4}}, O2{}, 30);
  check_conv_transpose<2>(
      S2{.batch = 2, .in_channels = 3, .out_channels = 2, .input = {3, 4}, .kernel = {4, 4}},
      O2{.stride = {2, 2}, .padding = {1, 1}}, 31);
  check_conv_transpose<2>(
      S2{.batch = 2, .in_channels = 2, .out_channels = 3, .input = {3, 3}, .kernel = {3, 2}},
      O2{.stride = {2, 3}, .padding = {1, 0}, .output_padding = {1, 2}, .dilation = {1, 1}}, 32);
  check_conv_transpose<2>(
      S2{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {4, 3}, .kernel = {2, 3}},
      O2{.stride = {1, 2}, .padding = {1, 1}, .output_padding = {1, 0}, .dilation = {2, 1}}, 33);
  check_conv_transpose<1>(
      cpu::conv_shape<1>{.batch = 2, .in_channels = 2, .out_channels = 3, .input = {5}, .kernel = {3}},
      cpu::conv_transpose_options<1>{.stride = {2}, .padding = {1}, .output_padding = {1}}, 34);
  check_conv_transpose<3>(
      cpu::conv_shape<3>{
          .batch = 2, .in_channels = 2, .out_channels = 2, .input = {2, 3, 2}, .kernel = {2, 2, 3}},
      cpu::conv_transpose_options<3>{.stride = {2, 1, 2}, .padding = {0, 1, 1}}, 35);
}

TEST_CASE("double backprop identities: the backward kernels differentiate into other kernels",
          "[backend][conv]") {
  // f(dy, w) = <conv_backward_data(dy, w), H>. Its gradient in w is conv_backward_weight(x := H, dy)
  // and in dy is conv_forward(H, w): checked by finite differences.
  const cpu::conv_shape<2> sh{
      .batch = 2, .in_channels = 2, .out_channels = 3, .input = {6, 5}, .kernel = {3, 3}};
  const cpu::conv_options<2> o{.stride = {2, 1}, .padding = {1, 1}};
  const auto osz = cpu::conv_output_size(sh, o);
  const std::size_t nx = 2 * 2 * 30, nw = 3 * 2 * 9, ny = static_cast<std::size_t>(2 * 3 * osz[0] * osz[1]);
  const auto dy = random_vector(ny, 40), w = random_vector(nw, 41), H = random_vector(nx, 42);
  auto f = [&](const std::vector<double>& dyy, const std::vector<double>& ww) {
    std::vector<double> dx(nx);
    cpu::conv_backward_data(sh, o, dyy.data(), ww.data(), dx.data());
    return kernel_test::dot(dx, H);
  };
  std::vector<double> gw(nw), gdy(ny);
  cpu::conv_backward_weight(sh, o, H.data(), dy.data(), gw.data());
  cpu::conv_forward(sh, o, H.data(), w.data(), static_cast<const double*>(nullptr), gdy.data());
  CHECK(rel_error(gw, fd_gradient([&](const std::vector<double>& ww) { return f(dy, ww); }, w)) < 1e-6);
  CHECK(rel_error(gdy, fd_gradient([&](const std::vector<double>& d) { return f(d, w); }, dy)) < 1e-6);

  // g(x, dy) = <conv_backward_weight(x, dy), K>: gradient in x is conv_backward_data(dy, K),
  // in dy is conv_forward(x, K).
  const auto x = random_vector(nx, 43), K = random_vector(nw, 44);
  auto gfun = [&](const std::vector<double>& xx, const std::vector<double>& d) {
    std::vector<double> dw(nw);
    cpu::conv_backward_weight(sh, o, xx.data(), d.data(), dw.data());
    return kernel_test::dot(dw, K);
  };
  std::vector<double> gx(nx), gd(ny);
  cpu::conv_backward_data(sh, o, dy.data(), K.data(), gx.data());
  cpu::conv_forward(sh, o, x.data(), K.data(), static_cast<const double*>(nullptr), gd.data());
  CHECK(rel_error(gx, fd_gradient([&](const std::vector<double>& xx) { return gfun(xx, dy); }, x)) < 1e-6);
  CHECK(rel_error(gd, fd_gradient([&](const std::vector<double>& d) { return gfun(x, d); }, dy)) < 1e-6);
}

TEST_CASE("conv results do not depend on the thread count", "[backend][conv]") {
  // small (batch split) and large (threaded GEMM inside: batch 1 and an uneven batch 3) cases
  for (const auto& sh :
       {cpu::conv_shape<2>{
            .batch = 5, .in_channels = 3, .out_channels = 4, .input = {10, 9}, .kernel = {4, 4}},
        cpu::conv_shape<2>{
            .batch = 1, .in_channels = 16, .out_channels = 32, .input = {32, 31}, .kernel = {4, 4}},
        cpu::conv_shape<2>{
            .batch = 3, .in_channels = 16, .out_channels = 32, .input = {30, 32}, .kernel = {4, 4}},
        cpu::conv_shape<2>{
            .batch = 4, .in_channels = 16, .out_channels = 32, .input = {30, 32}, .kernel = {4, 4}}}) {
    const cpu::conv_options<2> o{.stride = {1, 2}, .padding = {1, 1}};
    const auto osz = cpu::conv_output_size(sh, o);
    const auto nx = static_cast<std::size_t>(sh.batch * sh.in_channels * sh.input[0] * sh.input[1]);
    const auto nw = static_cast<std::size_t>(sh.out_channels * sh.in_channels * 16);
    const auto ny = static_cast<std::size_t>(sh.batch * sh.out_channels * osz[0] * osz[1]);
    const auto x = kernel_test::cast<float>(random_vector(nx, 50));
    const auto w = kernel_test::cast<float>(random_vector(nw, 51));
    const auto G = kernel_test::cast<float>(random_vector(ny, 52));
    auto run = [&] {
      std::vector<float> y(ny), dx(nx), dw(nw), yt(nx);
      cpu::conv_forward(sh, o, x.data(), w.data(), static_cast<const float*>(nullptr), y.data());
      cpu::conv_backward_data(sh, o, G.data(), w.data(), dx.data());
      cpu::conv_backward_weight(sh, o, x.data(), G.data(), dw.data());
      y.insert(y.end(), dx.begin(), dx.end());
      y.insert(y.end(), dw.begin(), dw.end());
      return y;
    };
    const int saved = cpu::num_threads();
    cpu::set_num_threads(1);
    const auto one = run();
    cpu::set_num_threads(2);
    const auto two = run();
    cpu::set_num_threads(3);
    const auto three = run();
    cpu::set_num_threads(saved);
    REQUIRE(one.size() == three.size());
    bool ok = true;
    for (std::size_t i = 0; i < one.size(); ++i)
      ok = ok && std::abs(one[i] - three[i]) <= 1e-4f * (1 + std::abs(one[i])) &&
           std::abs(one[i] - two[i]) <= 1e-4f * (1 + std::abs(one[i]));
    CHECK(ok);
  }
}

TEST_CASE("conv rejects impossible geometry with messages naming the kernel", "[backend][conv]") {
  const cpu::conv_shape<2> sh{
      .batch = 1, .in_channels = 1, .out_channels = 1, .input = {3, 3}, .kernel = {5, 5}};
  CHECK_THROWS_AS(cpu::conv_output_size(sh), hamgen::shape_error);
  CHECK_THROWS_WITH(cpu::conv_output_size(sh),
                    Catch::Contains("cpu::conv") && Catch::Contains("dilated kernel"));
  CHECK_THROWS_AS(cpu::conv_output_size(sh, {.stride = {0, 1}}), hamgen::value_error);
  const cpu::conv_shape<2> t{
      .batch = 1, .in_channels = 1, .out_channels = 1, .input = {3, 3}, .kernel = {3, 3}};
  CHECK_THROWS_AS(cpu::conv_transpose_output_size(t, {.stride = {2, 2}, .output_padding = {2, 0}}),
                  hamgen::value_error);
}

// Outputs of >= 256 pixels whose column matrix exceeds the block size are lowered block by block
// of output rows (im2col -> GEMM, GEMM -> col2im); blocks end mid-row-range and mid-plane here.
template <std::size_t D>
void check_conv_blocked(const cpu::conv_shape<D>& sh, const cpu::conv_options<D>& o, unsigned seed) {
  const auto g = naive_conv_geom(sh, o);
  const auto osz = cpu::conv_output_size(sh, o);
  const auto nx = static_cast<std::size_t>(sh.batch * sh.in_channels * prod(sh.input));
  const auto nw = static_cast<std::size_t>(sh.out_channels * sh.in_channels * prod(sh.kernel));
  const auto ny = static_cast<std::size_t>(sh.batch * sh.out_channels * prod(osz));
  const auto x = random_vector(nx, seed), w = random_vector(nw, seed + 1), G = random_vector(ny, seed + 2);
  std::vector<double> y(ny, -7.0), dx(nx, 3.0), dw(nw, 3.0), dx_ref, dw_ref;
  cpu::conv_forward(sh, o, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
  CHECK(rel_error(y, naive_conv(g, x, w, nullptr)) < 1e-12);
  cpu::conv_backward_data(sh, o, G.data(), w.data(), dx.data());
  cpu::conv_backward_weight(sh, o, x.data(), G.data(), dw.data());
  naive_conv_grads(g, x, w, G, dx_ref, dw_ref);
  CHECK(rel_error(dx, dx_ref) < 1e-12);
  CHECK(rel_error(dw, dw_ref) < 1e-12);
  auto xf = kernel_test::cast<float>(x), wf = kernel_test::cast<float>(w), Gf = kernel_test::cast<float>(G);
  std::vector<float> dxf(nx), dwf(nw);
  cpu::conv_backward_data(sh, o, Gf.data(), wf.data(), dxf.data());
  cpu::conv_backward_weight(sh, o, xf.data(), Gf.data(), dwf.data());
  CHECK(rel_error(std::vector<double>(dxf.begin(), dxf.end()), dx_ref) < 1e-5);
  CHECK(rel_error(std::vector<double>(dwf.begin(), dwf.end()), dw_ref) < 1e-5);
}

TEST_CASE("conv with large outputs (blocked im2col) matches naive loops and their adjoints",
          "[backend][conv]") {
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_options<2>;
  // padded (k3 p1, odd sizes): 8 blocks of 8 rows and a short last block
  check_conv_blocked<2>(
      S2{.batch = 2, .in_channels = 16, .out_channels = 5, .input = {61, 59}, .kernel = {3, 3}},
      O2{.padding = {1, 1}}, 40);
  // no padding, stride 1 along W: X is read in place (direct layout)
  check_conv_blocked<2>(
      S2{.batch = 2, .in_channels = 16, .out_channels = 3, .input = {61, 59}, .kernel = {3, 3}},
      O2{.stride = {2, 1}}, 41);
  // stride 3, dilation 2, unequal padding
  check_conv_blocked<2>(
      S2{.batch = 1, .in_channels = 40, .out_channels = 2, .input = {70, 65}, .kernel = {3, 3}},
      O2{.stride = {3, 3}, .padding = {2, 1}, .dilation = {2, 2}}, 42);
  // 3-d k4 s2 p1 (the video discriminator): a block boundary inside an output plane
  check_conv_blocked<3>(
      cpu::conv_shape<3>{
          .batch = 2, .in_channels = 8, .out_channels = 3, .input = {9, 20, 21}, .kernel = {4, 4, 4}},
      cpu::conv_options<3>{.stride = {2, 2, 2}, .padding = {1, 1, 1}}, 43);
}

TEST_CASE("conv with short output rows (unrolled widths 2, 3, 4, 6, 8, 16) matches naive loops",
          "[backend][conv]") {
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_options<2>;
  for (index_t w : {4, 6, 8, 12, 16, 32}) // k4 s2 p1: output widths 2, 3, 4, 6, 8, 16
    check_conv_blocked<2>(
        S2{.batch = 3, .in_channels = 3, .out_channels = 2, .input = {7, w}, .kernel = {4, 4}},
        O2{.stride = {2, 2}, .padding = {1, 1}}, 50 + static_cast<unsigned>(w));
  // stride 3 with dilation along W, width 4 output
  check_conv_blocked<2>(
      S2{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {6, 14}, .kernel = {2, 3}},
      O2{.stride = {1, 3}, .padding = {0, 2}, .dilation = {1, 2}}, 60);
}

TEST_CASE("conv group_size: columns per product, the block, weight and pair budgets", "[backend][conv]") {
  using cpu::detail::group_size;
  // (pixels, samples, col rows, weight elements) of the 96 x 96 DCGAN discriminator at batch 16
  CHECK(group_size(576, 16, 512, 64 * 512) == 1);    // 32 -> 64: enough pixels, blocks of rows
  CHECK(group_size(144, 16, 1024, 128 * 1024) == 2); // 64 -> 128: a pair (columns > weight)
  CHECK(group_size(144, 16, 1024) == 1);             // its weight gradient: no pair
  CHECK(group_size(36, 16, 2048, 256 * 2048) == 7);  // 128 -> 256: within the 2 MiB weight
  CHECK(group_size(36, 16, 2048) == 1);              // its weight gradient: within the block
  // the 32 x 32 discriminator: the block (64 Ki elements) and the weight bound the groups
  CHECK(group_size(64, 16, 512, 64 * 512) == 2);
  CHECK(group_size(16, 16, 1024, 128 * 1024) == 8);
  CHECK(group_size(16, 16, 1024) == 4);
  // never more than the samples at hand, nor more than >= 256 columns need
  CHECK(group_size(16, 3, 32, 64) == 3);
  CHECK(group_size(100, 16, 8, 64) == 3);
  CHECK(group_size(144, 1, 1024, 128 * 1024) == 1);
}

TEST_CASE("conv backward data over few pixels (col^T = dY^T W) and over many matches the naive adjoint",
          "[backend][conv]") {
  using S2 = cpu::conv_shape<2>;
  const cpu::conv_options<2> o{.stride = {2, 2}, .padding = {1, 1}};
  static_assert(cpu::detail::transposed_max_columns == 96);
  struct layer {
    index_t batch, in, out, h, w;
    unsigned seed;
  };
  for (const layer& c : {
           // one sample per product: 36 pixels (the 96 x 96 DCGAN discriminator's 128 -> 256
           // layer, channels scaled down) and exactly 96 pixels take the transposed product; 99
           // pixels the plain one
           layer{1, 128, 4, 12, 12, 70},
           layer{1, 64, 3, 16, 24, 71},
           layer{1, 64, 3, 18, 22, 72},
           // a pair per product although a sample's columns outgrow the block and the weight
           // (2 + 1 samples): 2 x 36 pixels (transposed), 2 x 99 pixels (plain)
           layer{3, 128, 4, 12, 12, 77},
           layer{3, 64, 3, 18, 22, 78},
           // a weight larger than the block size lets the forward and the data gradient group
           // samples: 80 x 2048 weight, 2 x 36 pixels (transposed); 100 x 2048, 2 x 49 (plain)
           layer{2, 128, 80, 12, 12, 75},
           layer{2, 128, 100, 14, 14, 76},
           // grouped samples: 3 x 16 pixels (transposed) and 3 x 49 pixels (plain)
           layer{3, 2, 3, 8, 8, 73},
           layer{3, 2, 3, 14, 14, 74},
       }) {
    INFO("batch " << c.batch << ", " << c.in << " -> " << c.out << " channels, input " << c.h << " x "
                  << c.w);
    check_conv_blocked<2>(S2{.batch = c.batch,
                             .in_channels = c.in,
                             .out_channels = c.out,
                             .input = {c.h, c.w},
                             .kernel = {4, 4}},
                          o, c.seed);
  }
}
