#include <catch2/catch.hpp>

#include "layer_check.hpp"
#include <hamgen/nn/activation.hpp>

using namespace hamgen;

TEMPLATE_TEST_CASE("activation layers: gradients (first and second order) and values", "[nn]", nn::relu,
                   nn::leaky_relu, nn::tanh, nn::sigmoid, nn::softplus, nn::elu, nn::identity) {
  generator g(3);
  TestType layer{};
  auto x = normal<double>({3, 5}, g);
  for (bool second : {false, true}) {
    auto r = test::check_layer(layer, x, second);
    INFO(r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("activation values against the closed forms", "[nn]") {
  tape t;
  auto x = t.constant(tensor<double>::from({4}, {-2.0, -0.5, 0.5, 3.0}));
  auto lr = nn::leaky_relu({.slope = 0.2}).forward(t, x);
  CHECK(lr.value()[0] == Approx(-0.4));
  CHECK(lr.value()[3] == 3.0);
  auto sp = nn::softplus{}.forward(t, x);
  CHECK(sp.value()[0] == Approx(std::log1p(std::exp(-2.0))));
  auto e = nn::elu({.alpha = 1.5}).forward(t, x);
  CHECK(e.value()[1] == Approx(1.5 * (std::exp(-0.5) - 1)));
  auto s = nn::sigmoid{}.forward(t, x);
  CHECK(s.value()[2] == Approx(1 / (1 + std::exp(-0.5))));
}
