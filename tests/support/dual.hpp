// tests/support/dual.hpp: a minimal forward-mode dual number (value + one tangent) for exact
// Jacobians of the integrators' one-step maps in the tests (symplecticity checks). Test-only.
#pragma once

#include <Eigen/Core>

#include <cmath>
#include <limits>

namespace hamgen_test {

struct dual {
  double v = 0, d = 0;
  dual() = default;
  dual(double value, double tangent = 0) : v(value), d(tangent) {} // NOLINT: implicit from double
  explicit operator double() const { return v; }
  dual& operator+=(const dual& o) {
    v += o.v;
    d += o.d;
    return *this;
  }
  dual& operator-=(const dual& o) {
    v -= o.v;
    d -= o.d;
    return *this;
  }
  dual& operator*=(const dual& o) {
    d = d * o.v + v * o.d;
    v *= o.v;
    return *this;
  }
  dual& operator/=(const dual& o) {
    d = (d * o.v - v * o.d) / (o.v * o.v);
    v /= o.v;
    return *this;
  }
};
inline dual operator+(dual a, const dual& b) { return a += b; }
inline dual operator-(dual a, const dual& b) { return a -= b; }
inline dual operator*(dual a, const dual& b) { return a *= b; }
inline dual operator/(dual a, const dual& b) { return a /= b; }
inline dual operator-(const dual& a) { return {-a.v, -a.d}; }
inline dual operator+(const dual& a) { return a; }
inline bool operator==(const dual& a, const dual& b) { return a.v == b.v; }
inline bool operator!=(const dual& a, const dual& b) { return a.v != b.v; }
inline bool operator<(const dual& a, const dual& b) { return a.v < b.v; }
inline bool operator>(const dual& a, const dual& b) { return a.v > b.v; }
inline bool operator<=(const dual& a, const dual& b) { return a.v <= b.v; }
inline bool operator>=(const dual& a, const dual& b) { return a.v >= b.v; }
inline dual sin(const dual& a) { return {std::sin(a.v), std::cos(a.v) * a.d}; }
inline dual cos(const dual& a) { return {std::cos(a.v), -std::sin(a.v) * a.d}; }
inline dual sqrt(const dual& a) {
  const double s = std::sqrt(a.v);
  return {s, a.d / (2 * s)};
}
inline dual abs(const dual& a) { return a.v < 0 ? -a : a; }

} // namespace hamgen_test

namespace Eigen {
template <>
struct NumTraits<hamgen_test::dual> : GenericNumTraits<double> {
  using Real = hamgen_test::dual;
  using NonInteger = hamgen_test::dual;
  using Nested = hamgen_test::dual;
  using Literal = hamgen_test::dual;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = 2,
    AddCost = 4,
    MulCost = 6
  };
  static hamgen_test::dual epsilon() { return std::numeric_limits<double>::epsilon(); }
  static hamgen_test::dual dummy_precision() { return 1e-12; }
  static hamgen_test::dual highest() { return std::numeric_limits<double>::max(); }
  static hamgen_test::dual lowest() { return std::numeric_limits<double>::lowest(); }
  static int digits10() { return 15; }
};
} // namespace Eigen
