#include <hamgen/integrate/rk4.hpp>

#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/two_body.hpp>
#include <hamgen/integrate/integrate.hpp>

#include "integrator_checks.hpp"

#include <catch2/catch.hpp>

namespace integ = hamgen::integrate;
namespace ham = hamgen::ham;
using hamgen_test::dual_state;

TEST_CASE("RK4 converges with order 4 (Kepler circular orbit)", "[integrate][rk4][order]") {
  const double T = 3.0;
  const auto [qe, pe] = ham::two_body_circular_exact(1.0, 0.5, T);
  std::vector<double> dts, errs;
  for (int n : {50, 100, 200}) {
    auto [q, p] = ham::two_body_circular(1.0, 0.5);
    integ::integrate_n_steps(integ::rk4{}, ham::two_body{}, q, p, 0.0, T / n, static_cast<std::size_t>(n));
    dts.push_back(T / n);
    errs.push_back(std::max((q - qe).cwiseAbs().maxCoeff(), (p - pe).cwiseAbs().maxCoeff()));
  }
  CHECK(hamgen_test::convergence_slope(dts, errs) == Approx(4).margin(0.15));
}

TEST_CASE("RK4 is not symplectic: the symplecticity check detects it", "[integrate][rk4][symplectic]") {
  Eigen::VectorXd q(1), p(1);
  q << 2.0;
  p << 0.7;
  const auto Phi = hamgen_test::one_step_jacobian(q, p, [](dual_state& a, dual_state& b) {
    integ::rk4::cache<dual_state> c;
    integ::rk4{}.step(ham::pendulum{.m = 0.5, .g = 3, .l = 1}, a, b, 0.3, c);
  });
  CHECK(hamgen_test::symplectic_defect(Phi) > 1e-6);
}

TEST_CASE("RK4 rejects bad input", "[integrate][rk4][errors]") {
  Eigen::VectorXd q(2), p(2);
  q << 1, std::nan("");
  p.setZero();
  CHECK_THROWS_WITH(integ::rk4{}.step(ham::pendulum{}, q, p, 0.1),
                    Catch::Contains("rk4::step: q[1] is not finite"));
}
