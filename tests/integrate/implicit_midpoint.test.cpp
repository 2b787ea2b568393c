#include <hamgen/integrate/implicit_midpoint.hpp>

#include <hamgen/hamiltonian/systems/double_pendulum.hpp>
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/two_body.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/rk4.hpp>

#include "integrator_checks.hpp"
#include "nonseparable.hpp"

#include <catch2/catch.hpp>

namespace integ = hamgen::integrate;
namespace ham = hamgen::ham;
using hamgen_test::dual_state;

TEST_CASE("implicit midpoint converges with order 2 on a non-separable H",
          "[integrate][implicit_midpoint][order]") {
  const hamgen_test::quartic_rotor h;
  const Eigen::Vector2d q0(0.8, -0.3), p0(0.1, 0.6);
  const double T = 2.0;
  const auto [qe, pe] = h.exact(q0, p0, T);
  std::vector<double> dts, errs;
  for (int n : {50, 100, 200, 400}) {
    Eigen::Vector2d q = q0, p = p0;
    integ::integrate_n_steps(integ::implicit_midpoint{}, h, q, p, 0.0, T / n, static_cast<std::size_t>(n));
    dts.push_back(T / n);
    errs.push_back(std::max((q - qe).cwiseAbs().maxCoeff(), (p - pe).cwiseAbs().maxCoeff()));
  }
  CHECK(hamgen_test::convergence_slope(dts, errs) == Approx(2).margin(0.15));
}

TEST_CASE("implicit midpoint converges with order 2 on the double pendulum (RK4 reference)",
          "[integrate][implicit_midpoint][order]") {
  const ham::double_pendulum h{.m1 = 0.5, .m2 = 0.5, .l1 = 1, .l2 = 1, .g = 3};
  const Eigen::Vector2d q0(0.6, -0.4), p0(0.3, 0.2);
  const double T = 1.0;
  Eigen::Vector2d qr = q0, pr = p0;
  integ::integrate_n_steps(integ::rk4{}, h, qr, pr, 0.0, T / 4000, 4000);
  std::vector<double> dts, errs;
  for (int n : {25, 50, 100, 200}) {
    Eigen::Vector2d q = q0, p = p0;
    integ::integrate_n_steps(integ::implicit_midpoint{}, h, q, p, 0.0, T / n, static_cast<std::size_t>(n));
    dts.push_back(T / n);
    errs.push_back(std::max((q - qr).cwiseAbs().maxCoeff(), (p - pr).cwiseAbs().maxCoeff()));
  }
  CHECK(errs.back() > 1e-8); // far above the reference's own error
  CHECK(hamgen_test::convergence_slope(dts, errs) == Approx(2).margin(0.15));
}

TEST_CASE("implicit midpoint is symplectic on the pendulum, Kepler and the double pendulum",
          "[integrate][implicit_midpoint][symplectic]") {
  const integ::implicit_midpoint st({.tolerance = 1e-15, .max_iterations = 200});
  auto defect = [&](const auto& h, const Eigen::VectorXd& q0, const Eigen::VectorXd& p0, double dt) {
    return hamgen_test::symplectic_defect(
        hamgen_test::one_step_jacobian(q0, p0, [&](dual_state& q, dual_state& p) {
          integ::implicit_midpoint::cache<dual_state> c;
          st.step(h, q, p, dt, c);
        }));
  };
  Eigen::VectorXd q1(1), p1(1);
  q1 << 2.0;
  p1 << 0.7;
  CHECK(defect(ham::pendulum{.m = 0.5, .g = 3, .l = 1}, q1, p1, 0.2) <= 1e-12);
  const auto [qk, pk] = ham::two_body_circular(1.0, 0.5);
  CHECK(defect(ham::two_body{}, Eigen::VectorXd(qk), Eigen::VectorXd(pk), 0.05) <= 1e-12);
  Eigen::VectorXd q2(2), p2(2);
  q2 << 0.6, -0.4;
  p2 << 0.3, 0.2;
  CHECK(defect(ham::double_pendulum{.m1 = 0.5, .m2 = 0.5, .l1 = 1, .l2 = 1, .g = 3}, q2, p2, 0.05) <= 1e-12);
}

TEST_CASE("implicit midpoint is time-reversible", "[integrate][implicit_midpoint][reversible]") {
  const ham::double_pendulum h{.m1 = 0.5, .m2 = 0.5, .l1 = 1, .l2 = 1, .g = 3};
  const Eigen::Vector2d q0(0.6, -0.4), p0(0.3, 0.2);
  Eigen::Vector2d q = q0, p = p0;
  const integ::implicit_midpoint st({.tolerance = 1e-16, .max_iterations = 200});
  st.step(h, q, p, 0.05);
  CHECK((q - q0).cwiseAbs().maxCoeff() > 1e-3);
  st.step(h, q, p, -0.05);
  CHECK((q - q0).cwiseAbs().maxCoeff() <= 1e-13);
  CHECK((p - p0).cwiseAbs().maxCoeff() <= 1e-13);
}

TEST_CASE("implicit midpoint works in float", "[integrate][implicit_midpoint]") {
  const ham::pendulum h{.m = 0.5, .g = 3, .l = 1};
  Eigen::Vector<float, 1> q(1.0f), p(0.0f);
  const float e0 = h.energy(q, p);
  integ::integrate_n_steps(integ::implicit_midpoint{}, h, q, p, 0.0, 0.01, 200);
  CHECK(h.energy(q, p) == Approx(e0).epsilon(1e-4));
}

TEST_CASE("implicit midpoint reports a zero budget and non-convergence",
          "[integrate][implicit_midpoint][errors]") {
  CHECK_THROWS_AS(integ::implicit_midpoint({.tolerance = 1e-12, .max_iterations = 0}), hamgen::value_error);
  CHECK_THROWS_WITH(integ::implicit_midpoint({.tolerance = 1e-12, .max_iterations = 0}),
                    Catch::Contains("implicit_midpoint") && Catch::Contains("max_iterations = 0"));
  CHECK_THROWS_WITH(integ::implicit_midpoint({.tolerance = -1, .max_iterations = 5}),
                    Catch::Contains("tolerance = -1"));
  const hamgen_test::quartic_rotor h;
  Eigen::Vector2d q(0.8, -0.3), p(0.1, 0.6);
  const Eigen::Vector2d q0 = q, p0 = p;
  const integ::implicit_midpoint few({.tolerance = 1e-14, .max_iterations = 3});
  CHECK_THROWS_AS(few.step(h, q, p, 0.1), hamgen::convergence_error);
  CHECK_THROWS_WITH(few.step(h, q, p, 0.1),
                    Catch::Contains("did not converge in 3 iterations") && Catch::Contains("dt = 0.1"));
  CHECK(q == q0); // unchanged on failure
  CHECK(p == p0);
  Eigen::VectorXd a(2), b(3);
  a.setZero();
  b.setZero();
  CHECK_THROWS_WITH(integ::implicit_midpoint{}.step(h, a, b, 0.1),
                    "implicit_midpoint::step: q has 2 elements, p has 3");
  CHECK_THROWS_AS(integ::implicit_midpoint{}.step(h, q, p, std::nan("")), hamgen::value_error);
}
