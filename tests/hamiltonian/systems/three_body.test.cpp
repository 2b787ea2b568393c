#include <hamgen/hamiltonian/systems/three_body.hpp>

#include "gradient_check.hpp"

#include <catch2/catch.hpp>

namespace ham = hamgen::ham;

TEST_CASE("three-body: Lagrange's equilateral solution solves Hamilton's equations",
          "[hamiltonian][three_body]") {
  const ham::three_body h;
  const auto [q, p] = ham::three_body_equilateral(1.1, 0.3);
  CHECK(hamgen_test::gradient_error(h, q, p) < 1e-7);
  CHECK(h.momentum(p).norm() < 1e-15);
  CHECK(std::sqrt(1.0 / std::sqrt(3.0)) == Approx(0.7598).epsilon(1e-4)); // the suite's speed factor
  const double e = 1e-6, t = 0.9;
  const auto [qt, pt] = ham::three_body_equilateral_exact(1.1, 0.3, t);
  const auto [qa, pa] = ham::three_body_equilateral_exact(1.1, 0.3, t + e);
  const auto [qb, pb] = ham::three_body_equilateral_exact(1.1, 0.3, t - e);
  CHECK(((qa - qb) / (2 * e) - h.dh_dp(qt, pt)).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(((pa - pb) / (2 * e) + h.dh_dq(qt, pt)).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(h.energy(qt, pt) == Approx(h.energy(q, p)).epsilon(1e-14));
  CHECK_THROWS_AS(ham::three_body_equilateral(-1.0), hamgen::value_error);
}
