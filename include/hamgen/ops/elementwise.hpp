// hamgen/ops/elementwise.hpp
//
// Represents: the elementwise ops of the facade on tensors: unary maps (backend::cpu::unary_kind;
//             unary_inplace overwrites its argument),
//             binary arithmetic of equal shapes, scalar affine maps, accumulation, and per-axis
//             broadcasts (bias over the channel axis).
// Requires:   equal shapes for binary ops; `axis` < rank and b of extent x.dim(axis) for the
//             axis ops.
// Ensures:    results are new, evaluated tensors (but the *_inplace ops and axpy, which overwrite their first
// argument); shape_error names the op and both shapes.
#pragma once

#include <type_traits>

#include <hamgen/backend/cpu/elementwise.hpp>
#include <hamgen/core/tensor.hpp>
#include <hamgen/ops/dispatch.hpp>

namespace hamgen::ops {

using backend::cpu::binary_kind;
using backend::cpu::unary_kind;

/// [outer, c, inner] factorisation of s around `axis`.
struct axis_split {
  std::size_t outer = 1, c = 1, inner = 1;
};
inline axis_split split_at(const shape& s, std::size_t axis) {
  axis_split r;
  for (std::size_t k = 0; k < s.rank(); ++k) {
    if (k < axis)
      r.outer *= s[k];
    else if (k == axis)
      r.c = s[k];
    else
      r.inner *= s[k];
  }
  return r;
}

template <class T, class D>
tensor<T, D> unary(unary_kind k, const tensor<T, D>& x, T alpha = T(0)) {
  tensor<T, D> y(x.shape());
  if constexpr (is_cpu<D>)
    backend::cpu::unary(k, x.data(), y.data(), x.size(), alpha);
  else
    static_assert(no_backend<D>, "hamgen::ops::unary: no backend for this device");
  return y;
}

/// x = f(x) in place (the in-place activations of autodiff).
template <class T, class D>
void unary_inplace(unary_kind k, tensor<T, D>& x, T alpha = T(0)) {
  if constexpr (is_cpu<D>)
    backend::cpu::unary(k, x.data(), x.data(), x.size(), alpha);
  else
    static_assert(no_backend<D>, "hamgen::ops::unary_inplace: no backend for this device");
}

template <class T, class D>
tensor<T, D> binary(binary_kind k, const tensor<T, D>& x, const tensor<T, D>& y, const char* op = "binary") {
  check_same_shape(op, x.shape(), y.shape());
  tensor<T, D> z(x.shape());
  if constexpr (is_cpu<D>)
    backend::cpu::binary(k, x.data(), y.data(), z.data(), x.size());
  else
    static_assert(no_backend<D>, "hamgen::ops::binary: no backend for this device");
  return z;
}

/// x = x (op) y in place.
template <class T, class D>
void binary_inplace(binary_kind k, tensor<T, D>& x, const tensor<T, D>& y,
                    const char* op = "binary_inplace") {
  check_same_shape(op, x.shape(), y.shape());
  if constexpr (is_cpu<D>)
    backend::cpu::binary(k, x.data(), y.data(), x.data(), x.size());
  else
    static_assert(no_backend<D>, "hamgen::ops::binary_inplace: no backend for this device");
}

template <class T, class D>
tensor<T, D> add(const tensor<T, D>& x, const tensor<T, D>& y) {
  return binary(binary_kind::add, x, y, "add");
}
template <class T, class D>
tensor<T, D> sub(const tensor<T, D>& x, const tensor<T, D>& y) {
  return binary(binary_kind::sub, x, y, "sub");
}
template <class T, class D>
tensor<T, D> mul(const tensor<T, D>& x, const tensor<T, D>& y) {
  return binary(binary_kind::mul, x, y, "mul");
}
template <class T, class D>
tensor<T, D> div(const tensor<T, D>& x, const tensor<T, D>& y) {
  return binary(binary_kind::div, x, y, "div");
}

/// x > 0 ? g : slope g (the backward of leaky_relu; relu with slope 0), one pass.
template <class T, class D>
tensor<T, D> leaky_relu_backward(const tensor<T, D>& g, const tensor<T, D>& x, T slope) {
  check_same_shape("leaky_relu_backward", g.shape(), x.shape(), "g", "x");
  tensor<T, D> y(x.shape());
  if constexpr (is_cpu<D>)
    backend::cpu::leaky_relu_backward(g.data(), x.data(), y.data(), x.size(), slope);
  else
    static_assert(no_backend<D>, "hamgen::ops::leaky_relu_backward: no backend for this device");
  return y;
}

/// g = x > 0 ? g : slope g in place.
template <class T, class D>
void leaky_relu_backward_inplace(tensor<T, D>& g, const tensor<T, D>& x, T slope) {
  check_same_shape("leaky_relu_backward", g.shape(), x.shape(), "g", "x");
  if constexpr (is_cpu<D>)
    backend::cpu::leaky_relu_backward(g.data(), x.data(), g.data(), x.size(), slope);
  else
    static_assert(no_backend<D>, "hamgen::ops::leaky_relu_backward_inplace: no backend for this device");
}

/// a x + b.
template <class T, class D>
tensor<T, D> affine(const tensor<T, D>& x, T a, T b) {
  tensor<T, D> y(x.shape());
  if constexpr (is_cpu<D>)
    backend::cpu::affine(x.data(), y.data(), x.size(), a, b);
  else
    static_assert(no_backend<D>, "hamgen::ops::affine: no backend for this device");
  return y;
}

/// x = a x + b (in place).
template <class T, class D>
void affine_inplace(tensor<T, D>& x, T a, T b) {
  if constexpr (is_cpu<D>)
    backend::cpu::affine(x.data(), x.data(), x.size(), a, b);
  else
    static_assert(no_backend<D>, "hamgen::ops::affine_inplace: no backend for this device");
}

/// y += a x (in place).
template <class T, class D>
void axpy(T a, const tensor<T, D>& x, tensor<T, D>& y) {
  check_same_shape("axpy", x.shape(), y.shape(), "x", "y");
  if constexpr (is_cpu<D>)
    backend::cpu::axpy(a, x.data(), y.data(), x.size());
  else
    static_assert(no_backend<D>, "hamgen::ops::axpy: no backend for this device");
}

/// y[.., c, ..] = x[.., c, ..] * scale[c] + shift[c] along `axis`; scale/shift may be null.
template <class T, class D>
tensor<T, D> channel_affine(const tensor<T, D>& x, const std::type_identity_t<tensor<T, D>>* scale,
                            const std::type_identity_t<tensor<T, D>>* shift, std::size_t axis,
                            const char* op = "channel_affine") {
  HAMGEN_CHECK_SHAPE(axis < x.rank(), op, ": axis ", axis, " out of range for shape ", x.shape());
  const auto s = split_at(x.shape(), axis);
  for (auto* p : {scale, shift})
    if (p)
      HAMGEN_CHECK_SHAPE(p->size() == s.c, op, ": per-channel tensor has shape ", p->shape(),
                         ", input has shape ", x.shape(), " (", s.c, " channels on axis ", axis, ")");
  tensor<T, D> y(x.shape());
  if constexpr (is_cpu<D>)
    backend::cpu::channel_affine(x.data(), scale ? scale->data() : nullptr, shift ? shift->data() : nullptr,
                                 y.data(), s.outer, s.c, s.inner);
  else
    static_assert(no_backend<D>, "hamgen::ops::channel_affine: no backend for this device");
  return y;
}

/// A tensor of shape `s` with y[.., c, ..] = b[c] along `axis`.
template <class T, class D>
tensor<T, D> broadcast_axis(const tensor<T, D>& b, const shape& s, std::size_t axis) {
  HAMGEN_CHECK_SHAPE(axis < s.rank() && b.size() == s[axis], "broadcast_axis: cannot broadcast ", b.shape(),
                     " to ", s, " along axis ", axis);
  const auto sp = split_at(s, axis);
  tensor<T, D> y(s);
  if constexpr (is_cpu<D>)
    backend::cpu::broadcast_axis(b.data(), y.data(), sp.outer, sp.c, sp.inner);
  else
    static_assert(no_backend<D>, "hamgen::ops::broadcast_axis: no backend for this device");
  return y;
}

} // namespace hamgen::ops
