#include <catch2/catch.hpp>

#include <vector>

#include <hamgen/backend/cpu/reshape.hpp>

TEST_CASE("cpu permute transposes axes", "[backend]") {
  std::vector<int> x{1, 2, 3, 4, 5, 6}, y(6);
  const std::size_t sh[] = {2, 3}, perm[] = {1, 0};
  hamgen::backend::cpu::permute(x.data(), y.data(), sh, perm, 2);
  CHECK(y == std::vector<int>{1, 4, 2, 5, 3, 6});
}
