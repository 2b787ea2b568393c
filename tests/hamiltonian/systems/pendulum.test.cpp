#include <hamgen/hamiltonian/systems/pendulum.hpp>

#include "gradient_check.hpp"

#include <catch2/catch.hpp>

namespace ham = hamgen::ham;

TEST_CASE("pendulum: gradients, suite energy formula, float", "[hamiltonian][pendulum]") {
  const ham::pendulum h{.m = 0.5, .g = 3.0, .l = 1.0}; // DeepMind suite pendulum
  STATIC_REQUIRE(ham::separable_hamiltonian<ham::pendulum, Eigen::Vector<double, 1>>);
  const Eigen::Vector<double, 1> q(2.1), p(0.7);
  CHECK(hamgen_test::gradient_error(h, q, p) < 1e-8);
  // H = m g l (1 − cos q) + p²/(2 m l²)
  CHECK(h.energy(q, p) == Approx(0.5 * 3 * (1 - std::cos(2.1)) + 0.49 / 1.0));
  const ham::pendulum h2{.m = 1.2, .g = 3.5, .l = 0.7};
  const Eigen::Vector3d q3(0.1, -2, 3), p3(1, 0, -1);
  CHECK(hamgen_test::gradient_error(h2, q3, p3) < 1e-8);
  const Eigen::Vector<float, 1> qf(2.1f), pf(0.7f);
  CHECK(double(h.energy(qf, pf)) == Approx(h.energy(q, p)).epsilon(1e-6));
  CHECK_THROWS_WITH((ham::pendulum{.m = 1, .g = 0, .l = 1}.validate()), Catch::Contains("g = 0"));
}
