// hamgen/metrics/detail/check.hpp
//
// Represents: input validation shared by the metric headers (not a public API of its own).
// Requires:   Eigen 3.4 (Core).
// Ensures:    every failure throws hamgen::shape_error or hamgen::value_error with a message that starts
//             with the metric's name and quotes the offending sizes, index and value.
#pragma once

#include <hamgen/core/error.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>

namespace hamgen::metrics::detail {

/// Throws value_error naming the first non-finite coefficient (row, column) of `m`.
template <class Derived>
void check_finite_matrix(const char* metric, const char* what, const Eigen::DenseBase<Derived>& m) {
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      const double v = static_cast<double>(m(i, j));
      if (!std::isfinite(v))
        throw value_error(
            ::hamgen::detail::concat(metric, ": ", what, "(", i, ", ", j, ") is not finite (", v, ")"));
    }
}

/// Throws shape_error when `a` and `b` do not have the same rows × cols.
template <class A, class B>
void check_same_shape(const char* metric, const char* a_name, const Eigen::DenseBase<A>& a,
                      const char* b_name, const Eigen::DenseBase<B>& b) {
  HAMGEN_CHECK_SHAPE(a.rows() == b.rows() && a.cols() == b.cols(), metric, ": ", a_name, " is ", a.rows(),
                     "x", a.cols(), " but ", b_name, " is ", b.rows(), "x", b.cols());
}

/// Throws shape_error when `m` has no coefficients.
template <class Derived>
void check_non_empty(const char* metric, const char* what, const Eigen::DenseBase<Derived>& m) {
  HAMGEN_CHECK_SHAPE(m.size() > 0, metric, ": ", what, " is empty (", m.rows(), "x", m.cols(), ")");
}

/// Throws value_error naming the first non-finite element of a contiguous buffer.
template <class T>
void check_finite_buffer(const char* metric, const char* what, const T* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(data[i]);
    if (!std::isfinite(v))
      throw value_error(::hamgen::detail::concat(metric, ": ", what, "[", i, "] is not finite (", v, ")"));
  }
}

} // namespace hamgen::metrics::detail
