#include <catch2/catch.hpp>

#include <hamgen/ops/reduction.hpp>

using namespace hamgen;

TEST_CASE("reductions: sum, sum_except, sum_axis, expand_axis", "[ops]") {
  auto x = tensor<double>::from({2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  CHECK(ops::sum(x)[0] == 78);
  auto c = ops::sum_except(x, 1);
  CHECK(c.shape() == shape{3});
  CHECK(c[0] == 1 + 2 + 7 + 8);
  auto a = ops::sum_axis(x, 1);
  CHECK(a.shape() == shape{2, 2});
  CHECK(a(1, 0) == 7 + 9 + 11);
  auto e = ops::expand_axis(a, 1, 3);
  CHECK(e.shape() == shape{2, 3, 2});
  CHECK(e(1, 2, 0) == a(1, 0));
  auto bc = ops::broadcast_axis(c, x.shape(), 1);
  CHECK(bc(1, 2, 1) == c[2]);
}
