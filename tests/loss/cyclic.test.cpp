// Tests for hamgen/loss/cyclic.hpp: the reference-code normalisation and its gradient.
#include <catch2/catch.hpp>

#include <hamgen/autodiff/gradcheck.hpp>
#include <hamgen/loss/cyclic.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

TEST_CASE("loss::cyclic_coordinate_loss: λ Σ_{t,b,i} |ṗ| / B", "[loss][cyclic]") {
  tape t;
  // T − 1 = 2 steps, B = 2, n = 2
  auto dp = t.variable(tensor<double>::from({2, 2, 2}, {1, -2, 3, 0, -1, 1, 2, -4}));
  REQUIRE(loss::cyclic_coordinate_loss(dp, 0.01).item() == Approx(0.01 * 14.0 / 2.0).epsilon(1e-15));
  REQUIRE(loss::cyclic_coordinate_loss_mean(dp, 0.01).item() == Approx(0.01 * 14.0 / 8.0).epsilon(1e-15));
  backward(t, loss::cyclic_coordinate_loss(dp, 0.5));
  REQUIRE(dp.grad()[0] == Approx(0.25));
  REQUIRE(dp.grad()[1] == Approx(-0.25));
  REQUIRE(dp.grad()[3] == 0.0);
  auto bad = t.variable(tensor<double>::zeros({2, 2}));
  REQUIRE_THROWS_WITH(loss::cyclic_coordinate_loss(bad), Catch::Contains("loss::cyclic_coordinate_loss"));
  generator g(4);
  tensor<double> x({3, 2, 4});
  for (auto& v : x) v = g.normal();
  auto r = ad::gradcheck(
      [](tape&, const std::vector<var<double>>& v) { return loss::cyclic_coordinate_loss(v[0]); }, {x});
  INFO(r.report);
  REQUIRE(r.ok);
}
