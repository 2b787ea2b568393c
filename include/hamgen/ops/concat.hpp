// hamgen/ops/concat.hpp
//
// Represents: concat / split / slice along one axis, and pad_axis (the adjoint of slice: the
//             slice written into zeros of the full extent).
// Requires:   all pieces agree on every extent but `axis`; slices lie inside the tensor.
// Ensures:    evaluated tensors; shape_error names the op, the axis and the offending shapes.
#pragma once

#include <vector>

#include <hamgen/backend/cpu/concat.hpp>
#include <hamgen/core/tensor.hpp>
#include <hamgen/ops/elementwise.hpp>

namespace hamgen::ops {

template <class T, class D>
tensor<T, D> slice(const tensor<T, D>& x, std::size_t axis, std::size_t begin, std::size_t end) {
  HAMGEN_CHECK_SHAPE(axis < x.rank() && begin <= end && end <= x.dim(axis), "slice: [", begin, ", ", end,
                     ") on axis ", axis, " does not fit shape ", x.shape());
  shape out = x.shape();
  out[axis] = end - begin;
  const auto s = split_at(x.shape(), axis);
  tensor<T, D> y(out);
  if constexpr (is_cpu<D>)
    backend::cpu::copy_block(x.data(), s.c, begin, y.data(), end - begin, 0, end - begin, s.outer, s.inner);
  else
    static_assert(no_backend<D>, "hamgen::ops::slice: no backend for this device");
  return y;
}

/// Zeros of shape `full` with x written at [begin, begin + x.dim(axis)) along `axis`.
template <class T, class D>
tensor<T, D> pad_axis(const tensor<T, D>& x, const shape& full, std::size_t axis, std::size_t begin) {
  shape expect = full;
  HAMGEN_CHECK_SHAPE(axis < full.rank() && x.rank() == full.rank(), "pad_axis: cannot place ", x.shape(),
                     " in ", full, " along axis ", axis);
  expect[axis] = x.dim(axis);
  HAMGEN_CHECK_SHAPE(expect == x.shape() && begin + x.dim(axis) <= full[axis], "pad_axis: cannot place ",
                     x.shape(), " in ", full, " at ", begin, " along axis ", axis);
  tensor<T, D> y(full, T(0));
  const auto s = split_at(full, axis);
  if constexpr (is_cpu<D>)
    backend::cpu::copy_block(x.data(), x.dim(axis), 0, y.data(), s.c, begin, x.dim(axis), s.outer, s.inner);
  else
    static_assert(no_backend<D>, "hamgen::ops::pad_axis: no backend for this device");
  return y;
}

template <class T, class D>
tensor<T, D> concat(const std::vector<const tensor<T, D>*>& xs, std::size_t axis) {
  HAMGEN_CHECK_SHAPE(!xs.empty(), "concat: no tensors");
  shape out = xs[0]->shape();
  HAMGEN_CHECK_SHAPE(axis < out.rank(), "concat: axis ", axis, " out of range for shape ", out);
  std::size_t total = 0;
  for (auto* x : xs) {
    shape a = x->shape(), b = out;
    HAMGEN_CHECK_SHAPE(a.rank() == b.rank(), "concat: shapes ", xs[0]->shape(), " and ", x->shape(),
                       " differ in rank");
    a[axis] = b[axis] = 0;
    HAMGEN_CHECK_SHAPE(a == b, "concat: shapes ", xs[0]->shape(), " and ", x->shape(), " differ off axis ",
                       axis);
    total += x->dim(axis);
  }
  out[axis] = total;
  tensor<T, D> y(out);
  const auto s = split_at(out, axis);
  std::size_t at = 0;
  for (auto* x : xs) {
    if constexpr (is_cpu<D>)
      backend::cpu::copy_block(x->data(), x->dim(axis), 0, y.data(), total, at, x->dim(axis), s.outer,
                               s.inner);
    else
      static_assert(no_backend<D>, "hamgen::ops::concat: no backend for this device");
    at += x->dim(axis);
  }
  return y;
}

/// Pieces of the given extents along `axis` (they must add up to x.dim(axis)).
template <class T, class D>
std::vector<tensor<T, D>> split(const tensor<T, D>& x, std::size_t axis,
                                const std::vector<std::size_t>& sizes) {
  std::size_t total = 0;
  for (auto n : sizes) total += n;
  HAMGEN_CHECK_SHAPE(axis < x.rank() && total == x.dim(axis), "split: sizes add up to ", total, ", shape ",
                     x.shape(), " has ", axis < x.rank() ? x.dim(axis) : 0, " on axis ", axis);
  std::vector<tensor<T, D>> r;
  std::size_t at = 0;
  for (auto n : sizes) {
    r.push_back(slice(x, axis, at, at + n));
    at += n;
  }
  return r;
}

} // namespace hamgen::ops
