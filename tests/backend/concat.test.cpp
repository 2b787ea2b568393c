#include <catch2/catch.hpp>

#include <vector>

#include <hamgen/backend/cpu/concat.hpp>

TEST_CASE("cpu copy_block copies axis ranges", "[backend]") {
  std::vector<int> src{1, 2, 3, 4, 5, 6}, dst(4, 0); // src [2, 3], take columns 1..2 into [2, 2]
  hamgen::backend::cpu::copy_block(src.data(), 3, 1, dst.data(), 2, 0, 2, 2, 1);
  CHECK(dst == std::vector<int>{2, 3, 5, 6});
}
