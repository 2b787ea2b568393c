#include <catch2/catch.hpp>

#include <hamgen/core/xtensor_interop.hpp>

using namespace hamgen;

TEST_CASE("as_xtensor is a zero-copy row-major view", "[core]") {
  auto t = tensor<double>::from({2, 3}, {1, 2, 3, 4, 5, 6});
  auto x = as_xtensor(t);
  CHECK(x.dimension() == 2);
  CHECK(x(1, 2) == 6.0);
  x(0, 0) = 10.0;
  CHECK(t(0, 0) == 10.0);
  const auto& ct = t;
  CHECK(as_xtensor(ct)(1, 0) == 4.0);
}
