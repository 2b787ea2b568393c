#include <hamgen/hamiltonian/systems/uncoupled_oscillators.hpp>

#include "gradient_check.hpp"

#include <catch2/catch.hpp>

namespace ham = hamgen::ham;

TEST_CASE("uncoupled oscillators: gradients, in-place forms, closed form, errors",
          "[hamiltonian][uncoupled_oscillators]") {
  Eigen::VectorXd k(3), m(3);
  k << 1.0, 4.0, 2.5;
  m << 1.0, 0.5, 2.0;
  const ham::uncoupled_oscillators h(k, m);
  STATIC_REQUIRE(ham::separable_hamiltonian<ham::uncoupled_oscillators, Eigen::VectorXd>);
  Eigen::VectorXd q(3), p(3);
  q << 0.3, -1.0, 0.5;
  p << 0.2, 0.1, -0.7;
  CHECK(hamgen_test::gradient_error(h, q, p) < 1e-8);
  Eigen::VectorXd out;
  h.potential_grad(q, out);
  CHECK(out == h.potential_grad(q));
  h.kinetic_grad(p, out);
  CHECK(out(2) == Approx(-0.35));
  const auto [qt, pt] = h.exact(q, p, 1.3);
  CHECK(h.energy(qt, pt) == Approx(h.energy(q, p)).epsilon(1e-14));
  const double e = 1e-6;
  const auto [qa, pa] = h.exact(q, p, 1.3 + e);
  const auto [qb, pb] = h.exact(q, p, 1.3 - e);
  CHECK(((qa - qb) / (2 * e) - h.dh_dp(qt, pt)).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(((pa - pb) / (2 * e) + h.dh_dq(qt, pt)).cwiseAbs().maxCoeff() < 1e-8);
  const auto s = ham::uncoupled_oscillators::spread(5, 1.0, 3.0);
  CHECK(s.k()(4) == Approx(9.0));
  CHECK_THROWS_AS(ham::uncoupled_oscillators(Eigen::VectorXd::Ones(2), Eigen::VectorXd::Ones(3)),
                  hamgen::shape_error);
  k(1) = -4;
  CHECK_THROWS_WITH(ham::uncoupled_oscillators(k, m), Catch::Contains("k[1] = -4"));
  CHECK_THROWS_WITH(
      h.potential_grad(Eigen::VectorXd::Zero(2).eval()),
      "uncoupled_oscillators::potential_grad: state has 2 elements, the system has 3 oscillators");
}
