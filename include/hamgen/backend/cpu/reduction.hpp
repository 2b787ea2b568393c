// hamgen/backend/cpu/reduction.hpp
//
// Represents: cpu reductions on raw contiguous buffers: the total sum, the sum over every axis but
//             one (bias / BatchNorm gradients), and the sum over one axis.
// Requires:   the tensor viewed as [outer, c, inner].
// Ensures:    sums accumulate in T through Eigen's vectorised reductions (pairwise within packets).
#pragma once

#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include <hamgen/backend/cpu/elementwise.hpp>

namespace hamgen::backend::cpu {

/// Σ x.
template <class T>
T sum(const T* x, std::size_t n) {
  if (n == 0) return T(0);
  return detail::carr<T>(x, Eigen::Index(n)).sum();
}

/// y[c] = Σ_{o, i} x[o, c, i].
template <class T>
void sum_except_axis(const T* x, T* y, std::size_t outer, std::size_t c, std::size_t inner) {
  for (std::size_t ch = 0; ch < c; ++ch) y[ch] = T(0);
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t ch = 0; ch < c; ++ch)
      y[ch] += detail::carr<T>(x + (o * c + ch) * inner, Eigen::Index(inner)).sum();
}

/// y[o, i] = Σ_c x[o, c, i].
template <class T>
void sum_axis(const T* x, T* y, std::size_t outer, std::size_t c, std::size_t inner) {
  for (std::size_t o = 0; o < outer; ++o) {
    detail::marr<T> Y(y + o * inner, Eigen::Index(inner));
    Y.setZero();
    for (std::size_t ch = 0; ch < c; ++ch)
      Y += detail::carr<T>(x + (o * c + ch) * inner, Eigen::Index(inner));
  }
}

/// y[o, c, i] = x[o, i] (broadcast over the middle axis; the adjoint of sum_axis).
template <class T>
void expand_axis(const T* x, T* y, std::size_t outer, std::size_t c, std::size_t inner) {
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t ch = 0; ch < c; ++ch)
      detail::marr<T>(y + (o * c + ch) * inner, Eigen::Index(inner)) =
          detail::carr<T>(x + o * inner, Eigen::Index(inner));
}

} // namespace hamgen::backend::cpu
