#include <hamgen/hamiltonian/systems/two_body.hpp>

#include "gradient_check.hpp"

#include <catch2/catch.hpp>

#include <numbers>

namespace ham = hamgen::ham;

TEST_CASE("two-body: suite initial state is an exact circular orbit", "[hamiltonian][two_body]") {
  const ham::two_body h; // m1 = m2 = g = 1 (suite TWO_BODY)
  const auto [q, p] = ham::two_body_circular(1.2, 0.7);
  CHECK(hamgen_test::gradient_error(h, q, p) < 1e-7);
  const double r = std::hypot(1.2, 0.7);
  // v = (s_y, −s_x) / (2 r^1.5): clockwise, total momentum zero
  CHECK(p(0) == Approx(0.7 / (2 * std::pow(r, 1.5))));
  CHECK(p(1) == Approx(-1.2 / (2 * std::pow(r, 1.5))));
  CHECK(h.momentum(p).norm() < 1e-15);
  // Circular orbit: the gravitational force supplies exactly the centripetal force m v²/r.
  const Eigen::Vector4d f = h.potential_grad(q);
  const double v2 = p(0) * p(0) + p(1) * p(1);
  CHECK(Eigen::Vector2d(f(0), f(1)).norm() == Approx(v2 / r).epsilon(1e-13));
  // The exact state rotates clockwise and conserves energy; period 4π r^1.5.
  const auto [qt, pt] = ham::two_body_circular_exact(1.2, 0.7, 0.8);
  CHECK(h.energy(qt, pt) == Approx(h.energy(q, p)).epsilon(1e-14));
  CHECK(h.angular_momentum(qt, pt) == Approx(h.angular_momentum(q, p)).epsilon(1e-14));
  CHECK(h.angular_momentum(q, p) < 0); // clockwise
  const auto [qT, pT] = ham::two_body_circular_exact(1.2, 0.7, 4 * std::numbers::pi * std::pow(r, 1.5));
  CHECK((qT - q).cwiseAbs().maxCoeff() < 1e-12);
  // Hamilton's equations along the closed form (finite differences in time).
  const double e = 1e-6;
  const auto [qa, pa] = ham::two_body_circular_exact(1.2, 0.7, 0.8 + e);
  const auto [qb, pb] = ham::two_body_circular_exact(1.2, 0.7, 0.8 - e);
  CHECK(((qa - qb) / (2 * e) - h.dh_dp(qt, pt)).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(((pa - pb) / (2 * e) + h.dh_dq(qt, pt)).cwiseAbs().maxCoeff() < 1e-8);
  CHECK_THROWS_AS(ham::two_body_circular(0, 0), hamgen::value_error);
}
