// Tests for hamgen/backend/cpu/math.hpp: tanh_array against long-double std::tanh (dense grids,
// both sides of the polynomial/exponential switch, tiny and subnormal inputs, saturation), the
// special values, in-place use and lengths that are not a multiple of the block.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <hamgen/backend/cpu/math.hpp>

namespace cpu = hamgen::backend::cpu;

namespace {

/// |y − tanh(x)| in units in the last place of the exact value (long double reference).
template <class T>
double ulp_error(T x, T y) {
  const long double ref = std::tanh(static_cast<long double>(x));
  if (ref == 0) return y == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  const T r = static_cast<T>(ref);
  const long double ulp = std::ldexp(1.0L, std::ilogb(r) - std::numeric_limits<T>::digits + 1);
  return static_cast<double>(std::abs(static_cast<long double>(y) - ref) / ulp);
}

template <class T>
std::vector<T> grid() {
  std::vector<T> xs;
  for (int i = -250000; i <= 250000; ++i) xs.push_back(T(i) * T(1e-4)); // [−25, 25]
  // geometric steps of 5 % (at least one representable step, which subnormals need)
  for (T v = std::numeric_limits<T>::denorm_min(); v < T(1);
       v = std::max(v * T(1.05), std::nextafter(v, T(1)))) {
    xs.push_back(v);
    xs.push_back(-v);
  }
  const T limit = T(cpu::detail::tanh_poly_limit);
  for (int i = -1000; i <= 1000; ++i) xs.push_back(limit + T(i) * T(1e-9)); // both sides of the switch
  xs.push_back(std::nextafter(limit, T(0)));
  xs.push_back(-limit);
  return xs;
}

} // namespace

TEST_CASE("tanh_array: double within 4 ulp of long double tanh", "[backend][math]") {
  const auto xs = grid<double>();
  std::vector<double> ys(xs.size());
  cpu::tanh_array(xs.data(), ys.data(), xs.size());
  double worst = 0, at = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double e = ulp_error(xs[i], ys[i]);
    if (e > worst) {
      worst = e;
      at = xs[i];
    }
  }
  INFO("worst " << worst << " ulp at x = " << at << " over " << xs.size() << " points");
  REQUIRE(worst <= 4.0);
  // odd symmetry holds exactly for the same layout: both branches compute from |x| (the polynomial
  // is odd in x). (A lone element can differ by an ulp from the same value inside an array: Eigen's
  // exp runs SIMD packets on the bulk and libm on the tail.)
  std::vector<double> neg(xs.size()), yn(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) neg[i] = -xs[i];
  cpu::tanh_array(neg.data(), yn.data(), neg.size());
  for (std::size_t i = 0; i < xs.size(); ++i) REQUIRE(yn[i] == -ys[i]);
}

TEST_CASE("tanh_array: float (Eigen's vectorised tanh) is close to long double tanh", "[backend][math]") {
  const auto xs = grid<float>();
  std::vector<float> ys(xs.size());
  cpu::tanh_array(xs.data(), ys.data(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    INFO("x = " << xs[i]);
    REQUIRE(std::abs(double(ys[i]) - std::tanh(double(xs[i]))) <=
            4 * std::numeric_limits<float>::epsilon() * std::abs(std::tanh(double(xs[i]))) + 1e-30);
  }
}

TEST_CASE("tanh_array: special values, saturation, in place, odd lengths", "[backend][math]") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> x{0.0, -0.0, inf, -inf, nan, 20.0, -20.0, 1e300, -1e300, 19.0, 400.0, -800.0};
  std::vector<double> y(x.size());
  cpu::tanh_array(x.data(), y.data(), x.size());
  CHECK(y[0] == 0.0);
  CHECK_FALSE(std::signbit(y[0]));
  CHECK(y[1] == 0.0);
  CHECK(std::signbit(y[1]));
  CHECK(y[2] == 1.0);
  CHECK(y[3] == -1.0);
  CHECK(std::isnan(y[4]));
  CHECK(y[5] == 1.0);
  CHECK(y[6] == -1.0);
  CHECK(y[7] == 1.0);
  CHECK(y[8] == -1.0);
  CHECK(y[9] == double(std::tanh(19.0L)));
  CHECK(y[10] == 1.0);
  CHECK(y[11] == -1.0);

  // in place, over several blocks with a partial last block, equal to the out-of-place result
  for (std::size_t n : {0UL, 1UL, 127UL, 128UL, 129UL, 1000UL}) {
    INFO("n = " << n);
    std::vector<double> v(n), out(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(double(i)) * 3.0;
    cpu::tanh_array(v.data(), out.data(), n);
    cpu::tanh_array(v.data(), v.data(), n);
    REQUIRE(v == out);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(ulp_error(std::sin(double(i)) * 3.0, out[i]) <= 4.0);
  }
}
