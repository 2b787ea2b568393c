#include <catch2/catch.hpp>

#include <hamgen/ops/ops.hpp>

using namespace hamgen;

TEST_CASE("ops facade umbrella exposes every op family", "[ops]") {
  auto x = tensor<float>::from({2, 2}, {1, 2, 3, 4});
  auto y = ops::matmul(x, x);
  CHECK(y(0, 0) == 7.f);
  CHECK(ops::sum(ops::unary(ops::unary_kind::square, x))[0] == 30.f);
  CHECK(ops::permute(x, {1, 0})(0, 1) == 3.f);
  CHECK(ops::slice(x, 1, 1, 2)(1, 0) == 4.f);
  STATIC_REQUIRE(ops::is_cpu<cpu_t>);
  STATIC_REQUIRE_FALSE(ops::is_cpu<cuda_t>);
}
