#include <hamgen/hamiltonian/systems/harmonic_oscillator.hpp>

#include "gradient_check.hpp"

#include <catch2/catch.hpp>

namespace ham = hamgen::ham;
using v1 = Eigen::Vector<double, 1>;

TEST_CASE("harmonic oscillator: gradients, closed form and the mass_spring parameters",
          "[hamiltonian][harmonic_oscillator]") {
  const ham::harmonic_oscillator h{.k = 2.0, .m = 0.5}; // DeepMind suite mass_spring
  STATIC_REQUIRE(ham::separable_hamiltonian<ham::harmonic_oscillator, v1>);
  CHECK(h.omega() == Approx(2.0));
  const v1 q0(0.3), p0(-0.4);
  CHECK(hamgen_test::gradient_error(h, q0, p0) < 1e-8);
  CHECK(h.energy(q0, p0) == Approx(2.0 * 0.09 / 2 + 0.16 / 1.0));
  // The closed form conserves energy, is periodic, and satisfies Hamilton's equations.
  for (double t : {0.3, 1.7, 5.0}) {
    const auto [q, p] = h.exact(q0, p0, t);
    CHECK(h.energy(q, p) == Approx(h.energy(q0, p0)).epsilon(1e-14));
    const double e = 1e-6;
    const auto [qa, pa] = h.exact(q0, p0, t + e);
    const auto [qb, pb] = h.exact(q0, p0, t - e);
    CHECK((qa(0) - qb(0)) / (2 * e) == Approx(h.dh_dp(q, p)(0)).epsilon(1e-7));
    CHECK((pa(0) - pb(0)) / (2 * e) == Approx(-h.dh_dq(q, p)(0)).epsilon(1e-7));
  }
  const auto [qT, pT] = h.exact(q0, p0, 3.14159265358979323846); // period π
  CHECK(qT(0) == Approx(q0(0)).margin(1e-14));
  CHECK(pT(0) == Approx(p0(0)).margin(1e-14));
  CHECK_THROWS_WITH((ham::harmonic_oscillator{.k = -1.0, .m = 1.0}.validate()), Catch::Contains("k = -1"));
}
