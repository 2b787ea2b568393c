#include <catch2/catch.hpp>

#include "layer_check.hpp"
#include <hamgen/nn/activation.hpp>
#include <hamgen/nn/linear.hpp>
#include <hamgen/nn/sequential.hpp>

using namespace hamgen;

TEST_CASE("linear: value, gradients (first and second order), shape errors", "[nn]") {
  generator g(1);
  nn::linear<double> lin({.in = 4, .out = 3}, g);
  auto x = normal<double>({5, 4}, g);
  {
    tape t;
    auto y = lin.forward(t, t.constant(x));
    REQUIRE(y.shape() == shape{5, 3});
    double ref = lin.bias.value[1];
    for (std::size_t k = 0; k < 4; ++k) ref += x(2, k) * lin.weight.value(1, k);
    CHECK(y.value()(2, 1) == Approx(ref).epsilon(1e-14));
    CHECK_THROWS_WITH(lin.forward(t, t.constant(normal<double>({5, 3}, g))),
                      Catch::Contains("linear(in=4, out=3)") && Catch::Contains("[5, 3]"));
  }
  auto r = test::check_layer(lin, x);
  INFO(r.report);
  CHECK(r.ok);
  // PyTorch default init bound 1/sqrt(in)
  for (double w : lin.weight.value) CHECK(std::abs(w) <= 0.5);
}

TEST_CASE("MLP with tanh, softplus and ReLU: d/dθ of ‖∇ₓ f(x; θ)‖² matches finite differences",
          "[nn][second-order]") {
  generator g(2);
  nn::sequential mlp{nn::linear<double>({.in = 3, .out = 8}, g), nn::tanh{},
                     nn::linear<double>({.in = 8, .out = 8}, g), nn::softplus{},
                     nn::linear<double>({.in = 8, .out = 6}, g), nn::relu{},
                     nn::linear<double>({.in = 6, .out = 1}, g)};
  auto x = normal<double>({4, 3}, g);
  auto r1 = test::check_layer(mlp, x, false);
  INFO(r1.report);
  CHECK(r1.ok);
  auto r2 = test::check_layer(mlp, x, true);
  INFO(r2.report);
  CHECK(r2.ok);
}
