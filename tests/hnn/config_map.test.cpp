// Tests for hamgen/hnn/config_map.hpp: fused forward/backward equal the taped map.
#include <catch2/catch.hpp>

#include "hnn_fixtures.hpp"

#include <hamgen/autodiff/grad.hpp>
#include <hamgen/hnn/config_map.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

using hamgen_test::gradients;
using hamgen_test::require_gradients;

TEST_CASE("hnn::config_map: fused == taped, forward and backward", "[hnn][config_map]") {
  generator g(1);
  hnn::config_map<double> f({.n = 3, .hidden = {8, 8}}, g);
  tensor<double> eps({5, 6}), wq({5, 3}), wp({5, 3});
  for (auto* tt : {&eps, &wq, &wp})
    for (auto& v : *tt) v = g.normal();
  f.zero_grad();
  tape t;
  auto e = t.variable(eps);
  auto [q0, p0] = f.forward(t, e);
  backward(t, ad::add(ad::sum(ad::mul_const(q0, wq)), ad::sum(ad::mul_const(p0, wp))));
  const auto ref = gradients(f);
  f.zero_grad();
  hnn::fused_config_map<double> ff;
  ff.forward(f, eps.data(), 5);
  for (std::size_t i = 0; i < 15; ++i) {
    REQUIRE(ff.q0()[i] == Approx(q0.value()[i]).epsilon(1e-13));
    REQUIRE(ff.p0()[i] == Approx(p0.value()[i]).epsilon(1e-13));
  }
  tensor<double> deps({5, 6});
  ff.backward(f, wq.data(), wp.data(), deps.data());
  require_gradients(f, ref, 1e-14, 1e-12);
  for (std::size_t i = 0; i < deps.size(); ++i)
    REQUIRE(deps[i] == Approx(e.grad()[i]).epsilon(1e-12).margin(1e-14));
  auto bad = t.variable(tensor<double>::zeros({2, 5}));
  REQUIRE_THROWS_WITH(f.forward(t, bad), Catch::Contains("hnn::config_map::forward"));
}
