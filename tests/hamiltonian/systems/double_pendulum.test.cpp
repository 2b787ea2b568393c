#include <hamgen/hamiltonian/systems/double_pendulum.hpp>

#include "gradient_check.hpp"

#include <catch2/catch.hpp>

namespace ham = hamgen::ham;
using v2 = Eigen::Vector2d;

TEST_CASE("double pendulum: analytic gradients match finite differences", "[hamiltonian][double_pendulum]") {
  STATIC_REQUIRE(ham::hamiltonian<ham::double_pendulum, v2>);
  STATIC_REQUIRE_FALSE(ham::separable_hamiltonian<ham::double_pendulum, v2>);
  const ham::double_pendulum suite{.m1 = 0.5, .m2 = 0.5, .l1 = 1.0, .l2 = 1.0, .g = 3.0};
  const ham::double_pendulum odd{.m1 = 0.45, .m2 = 0.6, .l1 = 0.8, .l2 = 0.95, .g = 2.7};
  for (const auto& h : {suite, odd})
    for (const auto& [q, p] :
         {std::pair{v2(0.6, -0.4), v2(0.3, 0.2)}, std::pair{v2(2.5, 1.0), v2(-1.3, 2.2)}})
      CHECK(hamgen_test::gradient_error(h, q, p) < 1e-7);
}

TEST_CASE("double pendulum: the suite's rest energy and the Lagrangian kinetic energy",
          "[hamiltonian][double_pendulum]") {
  const ham::double_pendulum h{.m1 = 0.5, .m2 = 0.5, .l1 = 1.0, .l2 = 1.0, .g = 3.0};
  CHECK(h.energy(v2(0, 0), v2(0, 0)) == Approx(-4.5)); // datasets.md §4.3: rest energy −4.5
  // Independent check: velocities from dH/dp must give the same kinetic energy through the
  // Lagrangian T = ½(m1+m2) l1² w1² + ½ m2 l2² w2² + m2 l1 l2 w1 w2 cos(q1 − q2).
  const ham::double_pendulum o{.m1 = 0.7, .m2 = 0.4, .l1 = 1.1, .l2 = 0.6, .g = 2.0};
  const v2 q(0.9, -0.3), p(0.5, -0.8);
  const v2 w = o.dh_dp(q, p);
  const double T = 0.5 * (o.m1 + o.m2) * o.l1 * o.l1 * w(0) * w(0) + 0.5 * o.m2 * o.l2 * o.l2 * w(1) * w(1) +
                   o.m2 * o.l1 * o.l2 * w(0) * w(1) * std::cos(q(0) - q(1));
  const double V = -(o.m1 + o.m2) * o.g * o.l1 * std::cos(q(0)) - o.m2 * o.g * o.l2 * std::cos(q(1));
  CHECK(o.energy(q, p) == Approx(T + V).epsilon(1e-13));
}

TEST_CASE("double pendulum rejects wrong sizes and parameters", "[hamiltonian][double_pendulum]") {
  const ham::double_pendulum h;
  const Eigen::VectorXd q = Eigen::VectorXd::Zero(3), p = Eigen::VectorXd::Zero(3);
  CHECK_THROWS_WITH(h.energy(q, p),
                    "double_pendulum::energy: q has 3 elements and p has 3, expected 2 and 2");
  CHECK_THROWS_AS(h.dh_dq(q, p), hamgen::shape_error);
  CHECK_THROWS_WITH((ham::double_pendulum{.m1 = 0, .m2 = 1, .l1 = 1, .l2 = 1, .g = 1}.validate()),
                    Catch::Contains("m1 = 0"));
}
