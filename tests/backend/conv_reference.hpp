// Shared by the convolution tests (conv.test.cpp, conv_direct.test.cpp): naive convolution loops
// written independently of the kernels, and checks of a kernel family against them and against
// central finite differences (double), plus the float kernels against the double reference.
#pragma once

#include <hamgen/backend/cpu/conv.hpp>

#include "kernel_test_support.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

namespace conv_test {

namespace cpu = hamgen::backend::cpu;
using cpu::index_t;
using kernel_test::fd_gradient;
using kernel_test::random_vector;
using kernel_test::rel_error;

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

inline index_t vol(const std::array<index_t, 3>& a) { return a[0] * a[1] * a[2]; }

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

inline std::vector<double> naive_conv(const naive_geom& g, const std::vector<double>& x,
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
inline void naive_conv_grads(const naive_geom& g, const std::vector<double>& x, const std::vector<double>& w,
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

// Element counts of x, w and y for shape sh with output spatial sizes out (for a transposed
// convolution: its input x, its weight and its output y).
struct conv_sizes {
  std::size_t x, w, y;
};
template <std::size_t D>
conv_sizes buffer_sizes(const cpu::conv_shape<D>& sh, const std::array<index_t, D>& out) {
  return {static_cast<std::size_t>(sh.batch * sh.in_channels * prod(sh.input)),
          static_cast<std::size_t>(sh.out_channels * sh.in_channels * prod(sh.kernel)),
          static_cast<std::size_t>(sh.batch * sh.out_channels * prod(out))};
}

// Checks conv_forward against the naive loop (double and float) and every backward against
// central finite differences of <y, G>.
template <std::size_t D>
void check_conv(const cpu::conv_shape<D>& sh, const cpu::conv_options<D>& o, unsigned seed) {
  const auto g = naive_conv_geom(sh, o);
  const auto osz = cpu::conv_output_size(sh, o);
  for (std::size_t i = 0; i < D; ++i) REQUIRE(osz[i] == g.out[3 - D + i]);
  const auto [nx, nw, ny] = buffer_sizes(sh, osz);
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
  const auto [nx, nw, ny] = buffer_sizes(sh, osz);
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

// Sets the process-wide algorithm for one test case and restores automatic selection after it.
struct use_algorithm {
  explicit use_algorithm(cpu::conv_algorithm a) { cpu::set_conv_algorithm(a); }
  ~use_algorithm() { cpu::set_conv_algorithm(cpu::conv_algorithm::automatic); }
};

// Lets the direct kernels use the wide (AVX-512) tile or keeps them on the narrow one while alive.
struct use_wide_tiles {
  explicit use_wide_tiles(bool on) { cpu::detail::set_direct_wide_tiles(on); }
  ~use_wide_tiles() { cpu::detail::set_direct_wide_tiles(true); }
};

// Layers too large for finite differences: the three products against the naive loops, in double
// (1e-12) and in float (1e-5 against the double reference).
template <std::size_t D>
void check_against_naive(const cpu::conv_shape<D>& sh, const cpu::conv_options<D>& o, unsigned seed) {
  const auto g = naive_conv_geom(sh, o);
  const auto osz = cpu::conv_output_size(sh, o);
  const auto [nx, nw, ny] = buffer_sizes(sh, osz);
  const auto x = random_vector(nx, seed), w = random_vector(nw, seed + 1), G = random_vector(ny, seed + 2);
  std::vector<double> y(ny, -7.0), dx(nx, 3.0), dw(nw, 3.0), dx_ref, dw_ref;
  cpu::conv_forward(sh, o, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
  CHECK(rel_error(y, naive_conv(g, x, w, nullptr)) < 1e-12);
  cpu::conv_backward_data(sh, o, G.data(), w.data(), dx.data());
  cpu::conv_backward_weight(sh, o, x.data(), G.data(), dw.data());
  naive_conv_grads(g, x, w, G, dx_ref, dw_ref);
  CHECK(rel_error(dx, dx_ref) < 1e-12);
  CHECK(rel_error(dw, dw_ref) < 1e-12);
  const auto xf = kernel_test::cast<float>(x), wf = kernel_test::cast<float>(w),
             Gf = kernel_test::cast<float>(G);
  std::vector<float> yf(ny), dxf(nx), dwf(nw);
  cpu::conv_forward(sh, o, xf.data(), wf.data(), static_cast<const float*>(nullptr), yf.data());
  cpu::conv_backward_data(sh, o, Gf.data(), wf.data(), dxf.data());
  cpu::conv_backward_weight(sh, o, xf.data(), Gf.data(), dwf.data());
  CHECK(rel_error(std::vector<double>(yf.begin(), yf.end()), naive_conv(g, x, w, nullptr)) < 1e-5);
  CHECK(rel_error(std::vector<double>(dxf.begin(), dxf.end()), dx_ref) < 1e-5);
  CHECK(rel_error(std::vector<double>(dwf.begin(), dwf.end()), dw_ref) < 1e-5);
}

} // namespace conv_test
