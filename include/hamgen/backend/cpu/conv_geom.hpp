// hamgen/backend/cpu/conv_geom.hpp
//
// Represents: the sizes and options of a CPU (transposed) convolution with D = 1, 2 or 3 spatial
//             dims (conv_shape, conv_options, conv_transpose_options), and detail::conv_geom, the
//             same problem as a convolution from X (n, cx, xs) to Y (n, cy, ys) with every
//             spatial array padded to 3 dims, which the im2col kernels (conv.hpp) and the direct
//             kernels (conv_direct.hpp) both take.
// Requires:   sizes >= 1, stride and dilation >= 1, padding >= 0 (checked by make_conv_geom and
//             make_conv_transpose_geom, which throw naming the dim and the values).
// Ensures:    conv_geom.ys[i] = floor((xs + pad_total - d(k-1) - 1)/s) + 1 for a convolution
//             (pad_total = 2p, or p when causal); for a transposed convolution X is its output,
//             (ys - 1)s - 2p + d(k-1) + output_padding + 1 per dim, and Y its input.
#pragma once

#include <hamgen/backend/cpu/parallel.hpp>
#include <hamgen/core/error.hpp>

#include <algorithm>
#include <array>
#include <cstddef>

namespace hamgen::backend::cpu {

namespace detail {
template <std::size_t D>
constexpr std::array<index_t, D> filled(index_t v) {
  std::array<index_t, D> a{};
  for (auto& e : a) e = v;
  return a;
}
} // namespace detail

/// Sizes of a (transposed) convolution: batch, channels, input spatial size, kernel size.
/// For the transposed convolution, in_channels/input describe ITS input (the smaller side).
template <std::size_t D>
struct conv_shape {
  index_t batch = 1;
  index_t in_channels = 1;
  index_t out_channels = 1;
  std::array<index_t, D> input{};
  std::array<index_t, D> kernel{};
};

/// Stride, zero padding and dilation per spatial dim; `causal` puts all the padding at the start
/// of every dim (left-only padding; meant for 1-d temporal convolutions).
template <std::size_t D>
struct conv_options {
  std::array<index_t, D> stride = detail::filled<D>(1);
  std::array<index_t, D> padding = detail::filled<D>(0);
  std::array<index_t, D> dilation = detail::filled<D>(1);
  bool causal = false;
};

/// Options of the transposed convolution (PyTorch's ConvTranspose semantics).
template <std::size_t D>
struct conv_transpose_options {
  std::array<index_t, D> stride = detail::filled<D>(1);
  std::array<index_t, D> padding = detail::filled<D>(0);
  std::array<index_t, D> output_padding = detail::filled<D>(0);
  std::array<index_t, D> dilation = detail::filled<D>(1);
};

namespace detail {

/// A convolution from X (n, cx, xs) to Y (n, cy, ys) with weight (cy, cx, k); all spatial arrays
/// are 3-d (leading dims 1 for 1-d/2-d); p = padding before each dim (the end padding is implied
/// by ys).
struct conv_geom {
  index_t n = 1, cx = 1, cy = 1;
  std::array<index_t, 3> xs{1, 1, 1}, ys{1, 1, 1}, k{1, 1, 1}, s{1, 1, 1}, p{0, 0, 0}, d{1, 1, 1};
  index_t x_pixels() const { return xs[0] * xs[1] * xs[2]; }
  index_t y_pixels() const { return ys[0] * ys[1] * ys[2]; }
  index_t k_volume() const { return k[0] * k[1] * k[2]; }
  index_t col_rows() const { return cx * k_volume(); }
};

template <std::size_t D>
std::array<index_t, 3> to3(const std::array<index_t, D>& a, index_t fill) {
  static_assert(D >= 1 && D <= 3, "hamgen::backend::cpu: convolutions have 1, 2 or 3 spatial dims");
  std::array<index_t, 3> r{fill, fill, fill};
  for (std::size_t i = 0; i < D; ++i) r[3 - D + i] = a[i];
  return r;
}

/// Checks what a convolution and a transposed convolution share and returns their geometry's
/// batch, kernel, stride, padding and dilation (the callers set the channels and spatial sizes).
template <std::size_t D>
conv_geom common_geom(const char* who, const conv_shape<D>& sh, const std::array<index_t, D>& stride,
                      const std::array<index_t, D>& padding, const std::array<index_t, D>& dilation) {
  HAMGEN_CHECK_SHAPE(sh.batch >= 1 && sh.in_channels >= 1 && sh.out_channels >= 1, who,
                     ": batch and channels must be >= 1, got batch ", sh.batch, ", in_channels ",
                     sh.in_channels, ", out_channels ", sh.out_channels);
  for (std::size_t i = 0; i < D; ++i) {
    HAMGEN_CHECK_SHAPE(sh.input[i] >= 1 && sh.kernel[i] >= 1, who, ": dim ", i, " has input size ",
                       sh.input[i], " and kernel size ", sh.kernel[i], " (both must be >= 1)");
    HAMGEN_CHECK(stride[i] >= 1 && dilation[i] >= 1 && padding[i] >= 0, who, ": dim ", i, " has stride ",
                 stride[i], ", dilation ", dilation[i], ", padding ", padding[i],
                 " (need stride >= 1, dilation >= 1, padding >= 0)");
  }
  conv_geom g;
  g.n = sh.batch;
  g.k = to3(sh.kernel, 1);
  g.s = to3(stride, 1);
  g.p = to3(padding, 0);
  g.d = to3(dilation, 1);
  return g;
}

template <std::size_t D>
conv_geom make_conv_geom(const conv_shape<D>& sh, const conv_options<D>& o) {
  conv_geom g = common_geom("cpu::conv", sh, o.stride, o.padding, o.dilation);
  g.cx = sh.in_channels;
  g.cy = sh.out_channels;
  g.xs = to3(sh.input, 1);
  for (std::size_t i = 0; i < D; ++i) {
    const index_t pad_total = o.causal ? o.padding[i] : 2 * o.padding[i];
    const index_t span = o.dilation[i] * (sh.kernel[i] - 1) + 1;
    const index_t num = sh.input[i] + pad_total - span;
    HAMGEN_CHECK_SHAPE(num >= 0, "cpu::conv: dim ", i, ": padded input size ", sh.input[i] + pad_total,
                       " is smaller than the dilated kernel extent ", span);
    g.ys[3 - D + i] = num / o.stride[i] + 1;
  }
  return g;
}

template <std::size_t D>
conv_geom make_conv_transpose_geom(const conv_shape<D>& sh, const conv_transpose_options<D>& o) {
  conv_geom g = common_geom("cpu::conv_transpose", sh, o.stride, o.padding, o.dilation);
  g.cx = sh.out_channels; // the transposed conv's output is the X side of the underlying conv
  g.cy = sh.in_channels;
  g.ys = to3(sh.input, 1);
  for (std::size_t i = 0; i < D; ++i) {
    HAMGEN_CHECK(o.output_padding[i] >= 0 &&
                     (o.output_padding[i] < o.stride[i] || o.output_padding[i] < o.dilation[i]),
                 "cpu::conv_transpose: dim ", i, ": output_padding ", o.output_padding[i],
                 " must be >= 0 and smaller than the stride ", o.stride[i], " or the dilation ",
                 o.dilation[i]);
    const index_t out = (sh.input[i] - 1) * o.stride[i] - 2 * o.padding[i] +
                        o.dilation[i] * (sh.kernel[i] - 1) + o.output_padding[i] + 1;
    HAMGEN_CHECK_SHAPE(out >= 1, "cpu::conv_transpose: dim ", i, ": output size ", out, " < 1 (input ",
                       sh.input[i], ", padding ", o.padding[i], ")");
    g.xs[3 - D + i] = out;
  }
  return g;
}

} // namespace detail

} // namespace hamgen::backend::cpu
