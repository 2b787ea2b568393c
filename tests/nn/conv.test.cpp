#include <catch2/catch.hpp>

#include "layer_check.hpp"
#include <hamgen/nn/activation.hpp>
#include <hamgen/nn/conv.hpp>
#include <hamgen/nn/linear.hpp>
#include <hamgen/nn/sequential.hpp>

using namespace hamgen;

TEST_CASE("conv2d: value against a direct sum, gradients of first and second order", "[nn][conv]") {
  generator g(1);
  nn::conv2d<double> c({.in = 2, .out = 3, .kernel = 3, .stride = 2, .padding = 1}, g);
  auto x = normal<double>({2, 2, 5, 5}, g);
  {
    tape t;
    auto y = c.forward(t, t.constant(x));
    REQUIRE(y.shape() == shape{2, 3, 3, 3});
    // y[1, 2, 1, 0] by the definition (padding 1, stride 2)
    double ref = c.bias.value[2];
    for (std::size_t ci = 0; ci < 2; ++ci)
      for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = 0; b < 3; ++b) {
          const long r = 1 * 2 - 1 + long(a), q = 0 * 2 - 1 + long(b);
          if (r >= 0 && r < 5 && q >= 0 && q < 5)
            ref += c.weight.value(2, ci, a, b) * x(1, ci, std::size_t(r), std::size_t(q));
        }
    CHECK(y.value()(1, 2, 1, 0) == Approx(ref).epsilon(1e-13));
    CHECK_THROWS_WITH(c.forward(t, t.constant(normal<double>({2, 3, 5, 5}, g))),
                      Catch::Contains("conv2d(in=2, out=3, kernel=3)") && Catch::Contains("[2, 3, 5, 5]"));
  }
  for (bool second : {false, true}) {
    auto r = test::check_layer(c, x, second);
    INFO(r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("conv_transpose2d: output size, adjoint of conv2d, gradients", "[nn][conv]") {
  generator g(2);
  nn::conv_transpose2d<double> ct({.in = 3, .out = 2, .kernel = 4, .stride = 2, .padding = 1, .bias = false},
                                  g);
  auto x = normal<double>({2, 3, 3, 3}, g);
  tape t;
  auto y = ct.forward(t, t.constant(x));
  REQUIRE(y.shape() == shape{2, 2, 6, 6});
  // <conv_t(x; W), z> == <x, conv(z; W)> with the same weight (PyTorch layout [in, out, k, k])
  nn::conv2d<double> c({.in = 2, .out = 3, .kernel = 4, .stride = 2, .padding = 1, .bias = false}, g);
  c.weight.value = ct.weight.value;
  auto z = normal<double>({2, 2, 6, 6}, g);
  auto cz = c.forward(t, t.constant(z));
  double lhs = 0, rhs = 0;
  for (std::size_t i = 0; i < z.size(); ++i) lhs += y.value()[i] * z[i];
  for (std::size_t i = 0; i < x.size(); ++i) rhs += x[i] * cz.value()[i];
  CHECK(lhs == Approx(rhs).epsilon(1e-12));
  nn::conv_transpose2d<double> ctb(
      {.in = 3, .out = 2, .kernel = 3, .stride = 2, .padding = 1, .output_padding = 1}, g);
  for (bool second : {false, true}) {
    auto r = test::check_layer(ctb, x, second);
    INFO(r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("conv1d: causal, dilated, weight-normalised; conv3d", "[nn][conv]") {
  generator g(3);
  nn::conv1d<double> c(
      {.in = 2, .out = 3, .kernel = 4, .padding = 6, .dilation = 2, .causal = true, .weight_norm = true}, g);
  auto x = normal<double>({2, 2, 9}, g);
  tape t;
  auto y = c.forward(t, t.constant(x));
  REQUIRE(y.shape() == shape{2, 3, 9}); // length kept
  // causality: changing x at time 5 leaves outputs 0..4 unchanged
  auto x2 = x;
  x2(1, 0, 5) += 1.0;
  auto y2 = c.forward(t, t.constant(x2));
  for (std::size_t k = 0; k < 5; ++k) CHECK(y2.value()(1, 1, k) == y.value()(1, 1, k));
  CHECK(y2.value()(1, 1, 5) != y.value()(1, 1, 5));
  // at init, weight norm reproduces w = v
  auto w = c.effective_weight(t);
  for (std::size_t i = 0; i < w.size(); ++i)
    CHECK(w.value()[i] == Approx(c.weight_v.value[i]).epsilon(1e-12));
  std::vector<std::string> names;
  c.visit_parameters([&](const std::string& n, auto&) { names.push_back(n); }, "");
  CHECK(names == std::vector<std::string>{"weight_g", "weight_v", "bias"});
  c.weight_g.value[1] *= 1.7; // make g differ from |v|
  for (bool second : {false, true}) {
    auto r = test::check_layer(c, x, second);
    INFO(r.report);
    CHECK(r.ok);
  }
  nn::conv3d<double> c3({.in = 2, .out = 2, .kernel = 2, .stride = 2, .padding = 1}, g);
  auto x3 = normal<double>({1, 2, 3, 4, 4}, g);
  CHECK(c3.forward(t, t.constant(x3)).shape() == shape{1, 2, 2, 3, 3});
  auto r3 = test::check_layer(c3, x3, false);
  INFO(r3.report);
  CHECK(r3.ok);
}

TEST_CASE("small conv net: d/dθ of ‖∇ₓ D(x)‖² (R1) matches finite differences", "[nn][conv][second-order]") {
  generator g(4);
  nn::sequential disc{nn::conv2d<double>({.in = 1, .out = 3, .kernel = 3, .stride = 2, .padding = 1}, g),
                      nn::leaky_relu({.slope = 0.2}),
                      nn::conv2d<double>({.in = 3, .out = 2, .kernel = 3}, g),
                      nn::softplus{},
                      nn::flatten{},
                      nn::linear<double>({.in = 2, .out = 1}, g)};
  auto x = normal<double>({2, 1, 6, 6}, g);
  auto r = test::check_layer(disc, x, true);
  INFO(r.report);
  CHECK(r.ok);
}
