// hamgen/ops/gemm.hpp
//
// Represents: the matrix-product ops of the facade: matmul(a, b, ta, tb) = op(a) op(b) for rank-2
//             tensors, and gemm_into for accumulation into an existing tensor.
// Requires:   rank-2 tensors whose inner extents agree.
// Ensures:    shape_error "matmul: a has shape [..] (transposed), b has shape [..]" on mismatch;
//             dispatch to backend::cpu::gemm (Eigen, split over the cpu pool).
#pragma once

#include <hamgen/backend/cpu/gemm.hpp>
#include <hamgen/core/tensor.hpp>
#include <hamgen/ops/dispatch.hpp>

namespace hamgen::ops {

namespace detail {
inline void check_matmul(const char* op, const shape& a, const shape& b, bool ta, bool tb) {
  HAMGEN_CHECK_SHAPE(a.rank() == 2 && b.rank() == 2, op, ": needs rank-2 operands, a has shape ", a,
                     ", b has shape ", b);
  const std::size_t ka = ta ? a[0] : a[1], kb = tb ? b[1] : b[0];
  HAMGEN_CHECK_SHAPE(ka == kb, op, ": a has shape ", a, ta ? " (transposed)" : "", ", b has shape ", b,
                     tb ? " (transposed)" : "", ": inner extents ", ka, " and ", kb, " differ");
}
} // namespace detail

/// c = alpha op(a) op(b) + beta c, c must already have the result shape.
template <class T, class D>
void gemm_into(const tensor<T, D>& a, const tensor<T, D>& b, tensor<T, D>& c, bool ta = false,
               bool tb = false, T alpha = T(1), T beta = T(0)) {
  detail::check_matmul("gemm", a.shape(), b.shape(), ta, tb);
  const std::size_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1), n = tb ? b.dim(0) : b.dim(1);
  HAMGEN_CHECK_SHAPE(c.rank() == 2 && c.dim(0) == m && c.dim(1) == n, "gemm: result has shape ", c.shape(),
                     ", expected [", m, ", ", n, "]");
  if constexpr (is_cpu<D>)
    backend::cpu::gemm<T>(ta, tb, m, n, k, alpha, a.data(), a.dim(1), b.data(), b.dim(1), beta, c.data(), n);
  else
    static_assert(no_backend<D>, "hamgen::ops::gemm: no backend for this device");
}

/// op(a) op(b) as a new tensor.
template <class T, class D>
tensor<T, D> matmul(const tensor<T, D>& a, const tensor<T, D>& b, bool ta = false, bool tb = false) {
  detail::check_matmul("matmul", a.shape(), b.shape(), ta, tb);
  tensor<T, D> c(shape{ta ? a.dim(1) : a.dim(0), tb ? b.dim(0) : b.dim(1)});
  gemm_into(a, b, c, ta, tb);
  return c;
}

} // namespace hamgen::ops
