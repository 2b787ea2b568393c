// hamgen/ops/conv.hpp
//
// Represents: the convolution ops of the facade. conv_geometry<Dim> describes one plain
//             convolution X (N, Cx, xs...) -> Y (N, Cy, ys...) with weight W (Cy, Cx, k...), stride,
//             padding (symmetric, or all at the start when causal) and dilation. Its three
//             tensor maps are
//               conv_forward(x, w)         = Y           (x-shaped in, y-shaped out)
//               conv_backward_data(dy, w)  = ∂/∂x        (y-shaped in, x-shaped out)
//               conv_backward_weight(x, dy)= ∂/∂w        (w-shaped out)
//             A transposed convolution is conv_backward_data of the plain convolution that maps
//             its (larger) output back to its input (conv_transpose_geometry).
// Requires:   tensors of the geometry's shapes (shape_error names the op and both shapes).
// Ensures:    dispatch to backend::cpu::conv_* (im2col + Eigen GEMM, kernels branch).
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include <hamgen/backend/cpu/conv.hpp>
#include <hamgen/core/tensor.hpp>
#include <hamgen/ops/dispatch.hpp>

namespace hamgen::ops {

template <std::size_t Dim>
struct conv_geometry {
  backend::cpu::conv_shape<Dim> sizes;
  backend::cpu::conv_options<Dim> opts;
  hamgen::shape x, y, w; ///< tensor shapes of input, output and weight
};

namespace detail {
template <std::size_t Dim>
void fill_shapes(conv_geometry<Dim>& g, const std::array<backend::cpu::index_t, Dim>& ys) {
  using std::size_t;
  g.x = {size_t(g.sizes.batch), size_t(g.sizes.in_channels)};
  g.y = {size_t(g.sizes.batch), size_t(g.sizes.out_channels)};
  g.w = {size_t(g.sizes.out_channels), size_t(g.sizes.in_channels)};
  for (size_t i = 0; i < Dim; ++i) {
    g.x.push_back(size_t(g.sizes.input[i]));
    g.y.push_back(size_t(ys[i]));
    g.w.push_back(size_t(g.sizes.kernel[i]));
  }
}
/// A bias given to `op` must be rank 1 with one value per channel (`channels`, described as `per`).
template <class T, class D>
void check_bias(const char* op, const tensor<T, D>* bias, std::size_t channels, const char* per) {
  if (bias)
    HAMGEN_CHECK_SHAPE(bias->shape().rank() == 1 && bias->size() == channels, op, ": bias has shape ",
                       bias->shape(), ", expected [", channels, "] (one value per ", per, ")");
}
} // namespace detail

/// Geometry of a plain convolution of input shape `x` (N, Cin, spatial...) with `out` channels.
template <std::size_t Dim>
conv_geometry<Dim> make_conv_geometry(const shape& x, std::size_t out, std::array<std::size_t, Dim> kernel,
                                      std::array<std::size_t, Dim> stride,
                                      std::array<std::size_t, Dim> padding,
                                      std::array<std::size_t, Dim> dilation, bool causal, const char* op) {
  HAMGEN_CHECK_SHAPE(x.rank() == Dim + 2, op, ": input has shape ", x, ", expected rank ", Dim + 2,
                     " (N, C, spatial...)");
  conv_geometry<Dim> g;
  using backend::cpu::index_t;
  g.sizes.batch = index_t(x[0]);
  g.sizes.in_channels = index_t(x[1]);
  g.sizes.out_channels = index_t(out);
  for (std::size_t i = 0; i < Dim; ++i) {
    g.sizes.input[i] = index_t(x[2 + i]);
    g.sizes.kernel[i] = index_t(kernel[i]);
    g.opts.stride[i] = index_t(stride[i]);
    g.opts.padding[i] = index_t(padding[i]);
    g.opts.dilation[i] = index_t(dilation[i]);
    const std::size_t pad = causal ? padding[i] : 2 * padding[i], span = dilation[i] * (kernel[i] - 1) + 1;
    HAMGEN_CHECK_SHAPE(x[2 + i] + pad >= span, op, ": input has shape ", x, "; spatial dim ", i, " (",
                       x[2 + i], " + padding ", pad, ") is smaller than the dilated kernel extent ", span);
  }
  g.opts.causal = causal;
  detail::fill_shapes(g, backend::cpu::conv_output_size(g.sizes, g.opts));
  return g;
}

/// Geometry of the plain convolution underlying a transposed convolution of input shape `x`
/// (N, Cin, spatial...) with `out` channels: its X side is the transposed conv's output.
template <std::size_t Dim>
conv_geometry<Dim>
make_conv_transpose_geometry(const shape& x, std::size_t out, std::array<std::size_t, Dim> kernel,
                             std::array<std::size_t, Dim> stride, std::array<std::size_t, Dim> padding,
                             std::array<std::size_t, Dim> output_padding,
                             std::array<std::size_t, Dim> dilation, const char* op) {
  HAMGEN_CHECK_SHAPE(x.rank() == Dim + 2, op, ": input has shape ", x, ", expected rank ", Dim + 2,
                     " (N, C, spatial...)");
  conv_geometry<Dim> g;
  using backend::cpu::index_t;
  g.sizes.batch = index_t(x[0]);
  g.sizes.in_channels = index_t(out); // X side = transposed output
  g.sizes.out_channels = index_t(x[1]);
  std::array<index_t, Dim> ys{};
  for (std::size_t i = 0; i < Dim; ++i) {
    HAMGEN_CHECK(output_padding[i] < stride[i], op, ": output_padding ", output_padding[i],
                 " must be smaller than the stride ", stride[i]);
    const long long o = (long long)(x[2 + i] - 1) * (long long)stride[i] - 2 * (long long)padding[i] +
                        (long long)(dilation[i] * (kernel[i] - 1)) + (long long)output_padding[i] + 1;
    HAMGEN_CHECK_SHAPE(o >= 1, op, ": input has shape ", x, "; output size ", o, " < 1 in spatial dim ", i);
    g.sizes.input[i] = index_t(o);
    g.sizes.kernel[i] = index_t(kernel[i]);
    g.opts.stride[i] = index_t(stride[i]);
    g.opts.padding[i] = index_t(padding[i]);
    g.opts.dilation[i] = index_t(dilation[i]);
    ys[i] = index_t(x[2 + i]);
  }
  detail::fill_shapes(g, ys);
  return g;
}

/// conv(x, w), plus bias[c] on output channel c when a bias is given (one pass, one tensor).
template <class T, class D, std::size_t Dim>
tensor<T, D> conv_forward(const tensor<T, D>& x, const tensor<T, D>& w, const conv_geometry<Dim>& g,
                          const std::type_identity_t<tensor<T, D>>* bias = nullptr) {
  check_same_shape("conv_forward", x.shape(), g.x, "input", "expected input");
  check_same_shape("conv_forward", w.shape(), g.w, "weight", "expected weight");
  detail::check_bias("conv_forward", bias, g.y[1], "output channel");
  tensor<T, D> y(g.y);
  if constexpr (is_cpu<D>)
    backend::cpu::conv_forward<T, Dim>(g.sizes, g.opts, x.data(), w.data(), bias ? bias->data() : nullptr,
                                       y.data());
  else
    static_assert(no_backend<D>, "hamgen::ops::conv_forward: no backend for this device");
  return y;
}
/// ∂/∂x of conv(x, w) given dy (the transposed convolution of dy), plus bias[c] on channel c of
/// the result when a bias is given (a transposed convolution's bias; one tensor).
template <class T, class D, std::size_t Dim>
tensor<T, D> conv_backward_data(const tensor<T, D>& dy, const tensor<T, D>& w, const conv_geometry<Dim>& g,
                                const std::type_identity_t<tensor<T, D>>* bias = nullptr) {
  check_same_shape("conv_backward_data", dy.shape(), g.y, "input", "expected input");
  check_same_shape("conv_backward_data", w.shape(), g.w, "weight", "expected weight");
  detail::check_bias("conv_backward_data", bias, g.x[1], "channel of the result");
  tensor<T, D> dx(g.x);
  if constexpr (is_cpu<D>)
    backend::cpu::conv_backward_data<T, Dim>(g.sizes, g.opts, dy.data(), w.data(), dx.data(),
                                             bias ? bias->data() : nullptr);
  else
    static_assert(no_backend<D>, "hamgen::ops::conv_backward_data: no backend for this device");
  return dx;
}
template <class T, class D, std::size_t Dim>
tensor<T, D> conv_backward_weight(const tensor<T, D>& x, const tensor<T, D>& dy,
                                  const conv_geometry<Dim>& g) {
  check_same_shape("conv_backward_weight", x.shape(), g.x, "input", "expected input");
  check_same_shape("conv_backward_weight", dy.shape(), g.y, "output gradient", "expected output");
  tensor<T, D> dw(g.w);
  if constexpr (is_cpu<D>)
    backend::cpu::conv_backward_weight<T, Dim>(g.sizes, g.opts, x.data(), dy.data(), dw.data());
  else
    static_assert(no_backend<D>, "hamgen::ops::conv_backward_weight: no backend for this device");
  return dw;
}

} // namespace hamgen::ops
