#include <catch2/catch.hpp>

#include <hamgen/nn/activation.hpp>
#include <hamgen/nn/dropout.hpp>
#include <hamgen/nn/linear.hpp>
#include <hamgen/nn/sequential.hpp>

using namespace hamgen;

struct not_a_module {};
static_assert(!nn::module<not_a_module>);
static_assert(nn::module<nn::linear<float>>);
static_assert(nn::layer<nn::linear<float>, var<float>>);
static_assert(nn::layer<nn::relu, var<double>>);

TEST_CASE("sequential: CTAD, stable names, train/eval propagation, composition", "[nn]") {
  generator g(4);
  nn::sequential net{nn::linear<float>({.in = 2, .out = 3}, g), nn::relu{}, nn::dropout({.p = 0.5}),
                     nn::linear<float>({.in = 3, .out = 1}, g)};
  auto ps = nn::named_parameters<float>(net);
  REQUIRE(ps.size() == 4);
  CHECK(ps[0].name == "0.weight");
  CHECK(ps[1].name == "0.bias");
  CHECK(ps[3].name == "3.bias");
  std::vector<std::string> state;
  net.visit_state([&](const std::string& n, auto&) { state.push_back(n); }, "net.");
  CHECK(state == std::vector<std::string>{"net.0.weight", "net.0.bias", "net.2.rng_state", "net.3.weight",
                                          "net.3.bias"});
  CHECK(nn::parameter_count(net) == 2 * 3 + 3 + 3 + 1);
  net.train(false);
  CHECK_FALSE(net.get<2>().is_training());
  net.train(true);
  CHECK(net.get<0>().is_training());

  // free composition flattens: (a | b) | c has three elements and the same output as sequential
  auto comp =
      (nn::linear<float>({.in = 2, .out = 3}, g) | nn::tanh{}) | nn::linear<float>({.in = 3, .out = 2}, g);
  STATIC_REQUIRE(decltype(comp)::size() == 3);
  tape t;
  auto x = t.constant(uniform<float>({4, 2}, g));
  auto y = comp.forward(t, x);
  CHECK(y.shape() == shape{4, 2});
  auto manual = comp.get<2>().forward(t, comp.get<1>().forward(t, comp.get<0>().forward(t, x)));
  for (std::size_t i = 0; i < y.size(); ++i) CHECK(y.value()[i] == manual.value()[i]);
}

TEST_CASE("sequential: a shape mismatch names the layer and the shapes", "[nn]") {
  generator g(5);
  nn::sequential net{nn::linear<float>({.in = 2, .out = 3}, g), nn::linear<float>({.in = 4, .out = 1}, g)};
  tape t;
  CHECK_THROWS_AS(net.forward(t, t.constant(tensor<float>({5, 2}, 1.f))), shape_error);
  CHECK_THROWS_WITH(net.forward(t, t.constant(tensor<float>({5, 2}, 1.f))),
                    Catch::Contains("linear(in=4, out=1)") && Catch::Contains("[5, 3]"));
}
