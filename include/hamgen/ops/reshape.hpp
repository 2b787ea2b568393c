// hamgen/ops/reshape.hpp
//
// Represents: reshape (same elements, new extents, row-major order kept) and permute (axis
//             transposition) in the facade.
// Requires:   reshape: equal element counts; permute: a permutation of 0..rank-1.
// Ensures:    shape_error naming the op and both shapes.
#pragma once

#include <vector>

#include <hamgen/backend/cpu/reshape.hpp>
#include <hamgen/core/tensor.hpp>
#include <hamgen/ops/dispatch.hpp>

namespace hamgen::ops {

template <class T, class D>
tensor<T, D> reshape(const tensor<T, D>& x, const shape& s) {
  HAMGEN_CHECK_SHAPE(x.size() == s.numel(), "reshape: cannot reshape ", x.shape(), " into ", s);
  return x.reshaped(s);
}

template <class T, class D>
tensor<T, D> permute(const tensor<T, D>& x, const std::vector<std::size_t>& perm) {
  HAMGEN_CHECK_SHAPE(perm.size() == x.rank(), "permute: ", perm.size(), " axes given for shape ", x.shape());
  std::vector<bool> seen(perm.size(), false);
  shape out;
  for (auto p : perm) {
    HAMGEN_CHECK_SHAPE(p < x.rank() && !seen[p], "permute: not a permutation of the axes of ", x.shape());
    seen[p] = true;
    out.push_back(x.dim(p));
  }
  tensor<T, D> y(out);
  if constexpr (is_cpu<D>)
    backend::cpu::permute(x.data(), y.data(), x.shape().begin(), perm.data(), x.rank());
  else
    static_assert(no_backend<D>, "hamgen::ops::permute: no backend for this device");
  return y;
}

} // namespace hamgen::ops
