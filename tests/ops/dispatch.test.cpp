#include <catch2/catch.hpp>

#include <hamgen/ops/dispatch.hpp>

TEST_CASE("device dispatch traits", "[ops]") {
  STATIC_REQUIRE(hamgen::ops::is_cpu<hamgen::cpu_t>);
  STATIC_REQUIRE_FALSE(hamgen::ops::no_backend<hamgen::cuda_t>);
}
