#include <catch2/catch.hpp>

#include <cmath>

#include <hamgen/core/random.hpp>
#include <hamgen/ops/elementwise.hpp>

using namespace hamgen;

TEST_CASE("elementwise kernels against std:: math, including the threaded path", "[ops]") {
  generator g(2);
  for (std::size_t n : {std::size_t(7), std::size_t(100000)}) {
    auto x = uniform<double>({n}, g, -3, 3);
    auto pos = uniform<double>({n}, g, 0.1, 3);
    using K = ops::unary_kind;
    auto check = [&](K k, const tensor<double>& in, auto ref, double alpha = 0) {
      auto y = ops::unary(k, in, alpha);
      double err = 0;
      for (std::size_t i = 0; i < n; ++i) err = std::max(err, std::abs(y[i] - ref(in[i])));
      CHECK(err < 1e-14);
    };
    check(K::tanh, x, [](double v) { return std::tanh(v); });
    check(K::sigmoid, x, [](double v) { return 1 / (1 + std::exp(-v)); });
    check(K::softplus, x, [](double v) { return std::log1p(std::exp(v)); });
    check(K::relu, x, [](double v) { return v > 0 ? v : 0; });
    check(
        K::leaky_relu, x, [](double v) { return v > 0 ? v : 0.2 * v; }, 0.2);
    check(
        K::elu, x, [](double v) { return v > 0 ? v : 0.5 * std::expm1(v); }, 0.5);
    check(K::log, pos, [](double v) { return std::log(v); });
    check(K::exp, x, [](double v) { return std::exp(v); });
    auto s = ops::add(x, pos);
    CHECK(s[n - 1] == x[n - 1] + pos[n - 1]);
    auto a = ops::affine(x, 2.0, 1.0);
    CHECK(a[0] == 2 * x[0] + 1);
  }
  auto x = tensor<double>::from({2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  auto b = tensor<double>::from({3}, {100, 200, 300});
  auto y = ops::channel_affine(x, nullptr, &b, 1);
  CHECK(y(1, 2, 1) == 312);
  CHECK_THROWS_WITH(ops::channel_affine(x, nullptr, &b, 2),
                    Catch::Contains("channel_affine") && Catch::Contains("[2, 3, 2]"));
  CHECK_THROWS_AS(ops::add(x, b), shape_error);
}
