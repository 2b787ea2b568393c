#include <catch2/catch.hpp>

#include <hamgen/ops/concat.hpp>

using namespace hamgen;

TEST_CASE("concat, split, slice and pad along an axis", "[ops]") {
  auto a = tensor<double>::from({2, 2}, {1, 2, 3, 4});
  auto b = tensor<double>::from({2, 1}, {5, 6});
  auto c = ops::concat<double, cpu_t>({&a, &b}, 1);
  CHECK(c.shape() == shape{2, 3});
  CHECK(c(1, 2) == 6);
  CHECK(c(1, 0) == 3);
  auto parts = ops::split(c, 1, {2, 1});
  CHECK(parts[1](0, 0) == 5);
  CHECK(parts[0](1, 1) == 4);
  auto s = ops::slice(c, 0, 1, 2);
  CHECK(s.shape() == shape{1, 3});
  auto p = ops::pad_axis(s, shape{3, 3}, 0, 2);
  CHECK(p(2, 2) == 6);
  CHECK(p(0, 0) == 0);
  CHECK_THROWS_WITH(ops::slice(c, 1, 2, 5), Catch::Contains("slice") && Catch::Contains("[2, 3]"));
  auto bad = tensor<double>({3, 1});
  CHECK_THROWS_AS((ops::concat<double, cpu_t>({&a, &bad}, 1)), shape_error);
}
