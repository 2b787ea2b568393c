#include <catch2/catch.hpp>

#include <vector>

#include <hamgen/backend/cpu/reshape.hpp>

TEST_CASE("cpu permute transposes axes", "[backend]") {
  std::vector<int> x{1, 2, 3, 4, 5, 6}, y(6);
  const std::size_t sh[] = {2, 3}, perm[] = {1, 0};
  hamgen::backend::cpu::permute(x.data(), y.data(), sh, perm, 2);
  CHECK(y == std::vector<int>{1, 4, 2, 5, 3, 6});
}

template <class T>
void check_transpose(hamgen::backend::cpu::index_t rows, hamgen::backend::cpu::index_t cols) {
  using hamgen::backend::cpu::index_t;
  const index_t lds = cols + 3, ldd = rows + 5; // pitches beyond the row lengths
  std::vector<T> src(static_cast<std::size_t>(rows * lds)), dst(static_cast<std::size_t>(cols * ldd), T(-1));
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<T>(i % 1000) + T(1);
  hamgen::backend::cpu::transpose(src.data(), rows, cols, lds, dst.data(), ldd);
  bool ok = true;
  for (index_t j = 0; j < cols; ++j)
    for (index_t i = 0; i < ldd; ++i) {
      const T want = i < rows ? src[static_cast<std::size_t>(i * lds + j)] : T(-1); // padding untouched
      ok = ok && dst[static_cast<std::size_t>(j * ldd + i)] == want;
    }
  CHECK(ok);
}

TEST_CASE("cpu transpose of strided 2-d blocks: full register blocks, edges and pitches", "[backend]") {
  // sizes around the 8 x 8 (float) and 4 x 4 (double) register blocks and the 4-block strips
  for (hamgen::backend::cpu::index_t rows : {1, 3, 4, 8, 9, 36, 37})
    for (hamgen::backend::cpu::index_t cols : {1, 4, 7, 8, 31, 32, 33, 70}) {
      INFO("rows " << rows << " cols " << cols);
      check_transpose<float>(rows, cols);
      check_transpose<double>(rows, cols);
      check_transpose<int>(rows, cols); // the element-by-element path
    }
}
