#include <catch2/catch.hpp>

#include "layer_check.hpp"
#include <hamgen/nn/activation.hpp>
#include <hamgen/nn/batch_norm.hpp>
#include <hamgen/nn/conv.hpp>
#include <hamgen/nn/sequential.hpp>

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

TEST_CASE("in-place relu / leaky_relu after conv and batch_norm: identical values and gradients", "[nn]") {
  // conv2d -> batch_norm2d -> leaky_relu -> conv2d -> relu, in-place (PyTorch's inplace=True) or not;
  // first-order parameter gradients through backward(retain_graph = false) and the second-order
  // gradient d/dθ ‖∇ₓ Σ y²‖² through grad(create_graph) must agree exactly.
  auto build = [](bool inplace) {
    generator g(5);
    return nn::sequential{nn::conv2d<double>({.in = 2, .out = 3, .kernel = 3, .padding = 1}, g),
                          nn::batch_norm2d<double>({.features = 3}),
                          nn::leaky_relu({.slope = 0.2, .inplace = inplace}),
                          nn::conv2d<double>({.in = 3, .out = 2, .kernel = 3, .bias = false}, g),
                          nn::relu({.inplace = inplace})};
  };
  generator gx(6);
  const auto x0 = normal<double>({2, 2, 5, 5}, gx);
  auto run = [&](bool inplace, bool second) {
    auto m = build(inplace);
    tape t;
    auto x = t.variable(x0);
    auto y = m.forward(t, x);
    auto loss = autodiff::sum(autodiff::square(y));
    std::vector<tensor<double>> out{y.value()};
    if (second) {
      auto g1 = grad(t, loss, {x}, {.create_graph = true})[0];
      backward(t, autodiff::sum_squares(g1), {.retain_graph = false});
    } else {
      backward(t, loss, {.retain_graph = false});
      out.push_back(x.grad());
    }
    for (auto& [name, p] : nn::named_parameters<double>(m)) out.push_back(p->grad);
    return out;
  };
  for (bool second : {false, true}) {
    INFO("second order: " << second);
    auto a = run(true, second), b = run(false, second);
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      REQUIRE(a[k].size() == b[k].size());
      REQUIRE(a[k].size() > 0);
      for (std::size_t i = 0; i < a[k].size(); ++i) CHECK(a[k][i] == b[k][i]);
    }
  }
}

TEST_CASE("in-place activation layers refuse inputs they cannot overwrite", "[nn]") {
  tape t;
  auto x = t.variable(tensor<double>::from({1, 3}, {-1.0, 0.0, 2.0}));
  nn::relu r{{.inplace = true}};
  CHECK_THROWS_WITH(r.forward(t, x), Catch::Contains("relu_inplace") && Catch::Contains("leaf"));
  auto s = autodiff::sigmoid(autodiff::affine(x, 2.0, 0.0));
  CHECK_THROWS_WITH(nn::leaky_relu({.slope = 0.1, .inplace = true}).forward(t, s),
                    Catch::Contains("'sigmoid'") && Catch::Contains("reads its output"));
  auto y = nn::leaky_relu({.slope = 0.1, .inplace = true}).forward(t, autodiff::affine(x, 2.0, 0.0));
  CHECK(y.value()[0] == Approx(-0.2));
  CHECK(y.value()[2] == Approx(4.0));
}
