// hamgen/ops/reduction.hpp
//
// Represents: reductions of the facade: sum of all elements (rank-0 result), sum over every axis
//             but one (rank-1 result, the bias gradient), sum over one axis (that axis removed) and
//             its adjoint expand (the axis re-inserted by broadcasting).
// Requires:   axis < rank.
// Ensures:    evaluated tensors; shape_error names the op, the axis and the shape.
#pragma once

#include <hamgen/backend/cpu/reduction.hpp>
#include <hamgen/core/tensor.hpp>
#include <hamgen/ops/elementwise.hpp>

namespace hamgen::ops {

template <class T, class D>
tensor<T, D> sum(const tensor<T, D>& x) {
  tensor<T, D> y(shape{});
  if constexpr (is_cpu<D>)
    y[0] = backend::cpu::sum(x.data(), x.size());
  else
    static_assert(no_backend<D>, "hamgen::ops::sum: no backend for this device");
  return y;
}

template <class T, class D>
tensor<T, D> sum_except(const tensor<T, D>& x, std::size_t axis) {
  HAMGEN_CHECK_SHAPE(axis < x.rank(), "sum_except: axis ", axis, " out of range for shape ", x.shape());
  const auto s = split_at(x.shape(), axis);
  tensor<T, D> y(shape{s.c});
  if constexpr (is_cpu<D>)
    backend::cpu::sum_except_axis(x.data(), y.data(), s.outer, s.c, s.inner);
  else
    static_assert(no_backend<D>, "hamgen::ops::sum_except: no backend for this device");
  return y;
}

template <class T, class D>
tensor<T, D> sum_axis(const tensor<T, D>& x, std::size_t axis) {
  HAMGEN_CHECK_SHAPE(axis < x.rank(), "sum_axis: axis ", axis, " out of range for shape ", x.shape());
  const auto s = split_at(x.shape(), axis);
  shape out;
  for (std::size_t k = 0; k < x.rank(); ++k)
    if (k != axis) out.push_back(x.dim(k));
  tensor<T, D> y(out);
  if constexpr (is_cpu<D>)
    backend::cpu::sum_axis(x.data(), y.data(), s.outer, s.c, s.inner);
  else
    static_assert(no_backend<D>, "hamgen::ops::sum_axis: no backend for this device");
  return y;
}

/// Inserts axis `axis` of extent n, copying x along it (adjoint of sum_axis).
template <class T, class D>
tensor<T, D> expand_axis(const tensor<T, D>& x, std::size_t axis, std::size_t n) {
  HAMGEN_CHECK_SHAPE(axis <= x.rank(), "expand_axis: axis ", axis, " out of range for shape ", x.shape());
  shape out;
  for (std::size_t k = 0; k <= x.rank(); ++k) {
    if (k == axis) out.push_back(n);
    if (k < x.rank()) out.push_back(x.dim(k));
  }
  const auto s = split_at(out, axis);
  tensor<T, D> y(out);
  if constexpr (is_cpu<D>)
    backend::cpu::expand_axis(x.data(), y.data(), s.outer, s.c, s.inner);
  else
    static_assert(no_backend<D>, "hamgen::ops::expand_axis: no backend for this device");
  return y;
}

} // namespace hamgen::ops
