#include <catch2/catch.hpp>

#include <hamgen/ops/reshape.hpp>

using namespace hamgen;

TEST_CASE("reshape and permute", "[ops]") {
  tensor<double> x({2, 3, 4});
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = double(i);
  auto r = ops::reshape(x, {6, 4});
  CHECK(r(5, 3) == 23);
  auto p = ops::permute(x, {2, 0, 1});
  CHECK(p.shape() == shape{4, 2, 3});
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t k = 0; k < 4; ++k) CHECK(p(k, i, j) == x(i, j, k));
  CHECK_THROWS_AS(ops::reshape(x, {5, 5}), shape_error);
  CHECK_THROWS_AS(ops::permute(x, {0, 0, 1}), shape_error);
}
