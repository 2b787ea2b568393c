#include <catch2/catch.hpp>

#include <hamgen/core/random.hpp>
#include <hamgen/ops/gemm.hpp>

using namespace hamgen;

TEST_CASE("gemm: all transpose combinations against a naive product, serial and threaded", "[ops]") {
  generator g(1);
  for (int threads : {1, 2}) {
    backend::cpu::set_num_threads(threads);
    for (auto [m, n, k] : {std::array<std::size_t, 3>{3, 4, 5}, std::array<std::size_t, 3>{70, 90, 80},
                           std::array<std::size_t, 3>{20, 130, 120}}) {
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          auto a = normal<double>(ta ? shape{k, m} : shape{m, k}, g);
          auto b = normal<double>(tb ? shape{n, k} : shape{k, n}, g);
          auto c = ops::matmul(a, b, ta, tb);
          REQUIRE(c.shape() == shape{m, n});
          double err = 0;
          for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) {
              long double ref = 0;
              for (std::size_t p = 0; p < k; ++p)
                ref += (long double)(ta ? a(p, i) : a(i, p)) * (long double)(tb ? b(j, p) : b(p, j));
              err = std::max(err, std::abs(double(ref) - c(i, j)));
            }
          CHECK(err < 1e-12);
        }
    }
    auto a = normal<double>({4, 3}, g), b = normal<double>({3, 2}, g);
    auto c = tensor<double>::ones({4, 2});
    ops::gemm_into(a, b, c, false, false, 2.0, 0.5);
    auto ab = ops::matmul(a, b);
    CHECK(c(3, 1) == Approx(2 * ab(3, 1) + 0.5));
  }
  backend::cpu::set_num_threads(2);
  CHECK(backend::cpu::num_threads() == 2);
  CHECK_THROWS_WITH(ops::matmul(tensor<double>({2, 3}), tensor<double>({2, 3})),
                    Catch::Contains("matmul") && Catch::Contains("[2, 3]"));
}
