#include <hamgen/core/device.hpp>

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("device tags model the device concept and carry their names", "[core][device]") {
  STATIC_REQUIRE(hamgen::device<hamgen::cpu_t>);
  STATIC_REQUIRE(hamgen::device<hamgen::cuda_t>);
  STATIC_REQUIRE_FALSE(hamgen::device<int>);
  CHECK(std::string(hamgen::cpu_t::name) == "cpu");
  CHECK(std::string(hamgen::cuda_t::name) == "cuda");
}
