// hamgen/backend/cpu/math.hpp
//
// Represents: elementwise transcendental functions on contiguous buffers where Eigen 3.4 has no
//             packet (SIMD) implementation: tanh_array(x, y, n) for double. Eigen evaluates a double
//             tanh one element at a time through libm (its vectorised tanh is float-only), which
//             made tanh the larger part of a float64 tanh HNN rollout. float goes to Eigen's own
//             vectorised tanh.
// Requires:   x and y address n elements; y may equal x (in place) but not overlap it otherwise.
// Ensures:    double, |x| < 0.3: the odd Taylor polynomial of degree 23,
//               tanh x = Σ_{k=1..12} c_k x^{2k−1},  c_k = 2^{2k}(2^{2k} − 1) B_{2k} / (2k)!
//             (Abramowitz & Stegun 4.5.64), truncation error below 5e-18 relative;
//             |x| ≥ 0.3: sign(x) (1 − 2 / (e^{2|x|} + 1)) with Eigen's vectorised exp and |x| clamped
//             to 20 (tanh 20 rounds to 1 in double). Tested against long double: within 4 ulp.
//             tanh(±0) = ±0, tanh(±∞) = ±1, NaN stays NaN. The loops are plain array code that
//             compilers vectorise at the build's -march (SSE2 by default, AVX2 with x86-64-v3).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include <Eigen/Core>

namespace hamgen::backend::cpu {

namespace detail {
/// c_k of tanh x = Σ c_k x^{2k−1}, k = 1..12 (exact Bernoulli-number values rounded to double).
inline constexpr double tanh_taylor[12] = {1.0,
                                           -0.3333333333333333,
                                           0.13333333333333333,
                                           -0.05396825396825397,
                                           0.021869488536155203,
                                           -0.008863235529902197,
                                           0.003592128036572481,
                                           -0.0014558343870513183,
                                           0.000590027440945586,
                                           -0.00023912911424355248,
                                           9.691537956929451e-05,
                                           -3.927832388331683e-05};
/// Below this |x| the polynomial is used, at and above it the exponential form.
inline constexpr double tanh_poly_limit = 0.3;
} // namespace detail

/// y[i] = tanh(x[i]) for i < n.
template <class T>
void tanh_array(const T* x, T* y, std::size_t n) {
  static_assert(std::is_floating_point_v<T>, "tanh_array: T must be a floating-point type");
  using arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  if constexpr (!std::is_same_v<T, double>) {
    Eigen::Map<arr>(y, Eigen::Index(n)) = Eigen::Map<const arr>(x, Eigen::Index(n)).tanh();
  } else {
    constexpr std::size_t block = 128;
    alignas(32) double big[block], poly[block];
    for (std::size_t i = 0; i < n; i += block) {
      const std::size_t len = std::min(block, n - i);
      const double* xb = x + i;
      Eigen::Map<const arr> X(xb, Eigen::Index(len));
      Eigen::Map<arr>(big, Eigen::Index(len)) = 1.0 - 2.0 / ((2.0 * X.abs().min(20.0)).exp() + 1.0);
      for (std::size_t j = 0; j < len; ++j) {
        const double z = xb[j] * xb[j];
        double p = detail::tanh_taylor[11];
        for (int k = 10; k >= 0; --k) p = p * z + detail::tanh_taylor[k];
        poly[j] = xb[j] * p;
      }
      double* yb = y + i;
      for (std::size_t j = 0; j < len; ++j) {
        const double v = xb[j];
        const double b = v < 0.0 ? -big[j] : big[j];
        // NaN fails the comparison and takes the polynomial, which keeps it NaN
        yb[j] = std::abs(v) >= detail::tanh_poly_limit ? b : poly[j];
      }
    }
  }
}

} // namespace hamgen::backend::cpu
