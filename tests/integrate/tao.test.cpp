#include <hamgen/integrate/tao.hpp>

#include <hamgen/hamiltonian/systems/double_pendulum.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/rk4.hpp>

#include "integrator_checks.hpp"
#include "nonseparable.hpp"

#include <catch2/catch.hpp>

namespace integ = hamgen::integrate;
namespace ham = hamgen::ham;
using hamgen_test::dual_state;

namespace {
template <class St, class H>
double slope_against(const St& st, const H& h, const Eigen::Vector2d& q0, const Eigen::Vector2d& p0, double T,
                     const Eigen::Vector2d& qe, const Eigen::Vector2d& pe, std::initializer_list<int> ns) {
  std::vector<double> dts, errs;
  for (int n : ns) {
    Eigen::Vector2d q = q0, p = p0;
    integ::integrate_n_steps(st, h, q, p, 0.0, T / n, static_cast<std::size_t>(n));
    dts.push_back(T / n);
    errs.push_back(std::max((q - qe).cwiseAbs().maxCoeff(), (p - pe).cwiseAbs().maxCoeff()));
  }
  return hamgen_test::convergence_slope(dts, errs);
}
} // namespace

TEST_CASE("Tao's method converges with its order on a non-separable H", "[integrate][tao][order]") {
  const hamgen_test::quartic_rotor h;
  const Eigen::Vector2d q0(0.8, -0.3), p0(0.1, 0.6);
  const double T = 1.0;
  const auto [qe, pe] = h.exact(q0, p0, T);
  CHECK(slope_against(integ::tao({.omega = 20}), h, q0, p0, T, qe, pe, {100, 200, 400, 800}) ==
        Approx(2).margin(0.15));
  CHECK(slope_against(integ::tao4({.omega = 20}), h, q0, p0, T, qe, pe, {100, 200, 400, 800}) ==
        Approx(4).margin(0.15));
}

TEST_CASE("Tao's method converges on the double pendulum (RK4 reference)", "[integrate][tao][order]") {
  const ham::double_pendulum h{.m1 = 0.5, .m2 = 0.5, .l1 = 1, .l2 = 1, .g = 3};
  const Eigen::Vector2d q0(0.6, -0.4), p0(0.3, 0.2);
  Eigen::Vector2d qr = q0, pr = p0;
  integ::integrate_n_steps(integ::rk4{}, h, qr, pr, 0.0, 1.0 / 4000, 4000);
  CHECK(slope_against(integ::tao({.omega = 10}), h, q0, p0, 1.0, qr, pr, {100, 200, 400, 800}) ==
        Approx(2).margin(0.15));
}

TEST_CASE("Tao's extended-phase-space map is symplectic and reversible", "[integrate][tao][symplectic]") {
  const ham::double_pendulum h{.m1 = 0.5, .m2 = 0.5, .l1 = 1, .l2 = 1, .g = 3};
  const integ::tao st({.omega = 10});
  // Extended coordinates Q = (q, x), P = (p, y): the map on (Q, P) must satisfy ΦᵀJΦ = J.
  Eigen::VectorXd Q0(4), P0(4);
  Q0 << 0.6, -0.4, 0.61, -0.38;
  P0 << 0.3, 0.2, 0.29, 0.22;
  const auto Phi = hamgen_test::one_step_jacobian(Q0, P0, [&](dual_state& Q, dual_state& P) {
    dual_state q = Q.head(2), x = Q.tail(2), p = P.head(2), y = P.tail(2);
    st.step_extended(h, q, p, x, y, 0.05);
    Q << q, x;
    P << p, y;
  });
  CHECK(hamgen_test::symplectic_defect(Phi) <= 1e-12);

  Eigen::Vector2d q = Q0.head(2), x = Q0.tail(2), p = P0.head(2), y = P0.tail(2);
  st.step_extended(h, q, p, x, y, 0.05);
  st.step_extended(h, q, p, x, y, -0.05);
  CHECK((q - Q0.head(2)).cwiseAbs().maxCoeff() <= 1e-13);
  CHECK((x - Q0.tail(2)).cwiseAbs().maxCoeff() <= 1e-13);
  CHECK((p - P0.head(2)).cwiseAbs().maxCoeff() <= 1e-13);
  CHECK((y - P0.tail(2)).cwiseAbs().maxCoeff() <= 1e-13);
}

TEST_CASE("Tao's method keeps the copies across steps and rejects bad input", "[integrate][tao][errors]") {
  const hamgen_test::quartic_rotor h;
  Eigen::Vector2d q(0.8, -0.3), p(0.1, 0.6);
  integ::tao::cache<Eigen::Vector2d> c;
  integ::tao{}.step(h, q, p, 0.01, c);
  CHECK(c.valid);
  CHECK((c.x - q).norm() < 1e-3); // bound to q by the binding term
  CHECK(c.x != q);                // but a separate copy
  CHECK_THROWS_WITH(integ::tao({.omega = 0}), Catch::Contains("tao: omega = 0"));
  CHECK_THROWS_AS(integ::tao({.omega = -1}), hamgen::value_error);
  CHECK_THROWS_AS(integ::tao{}.step(h, q, p, HUGE_VAL), hamgen::value_error);
  Eigen::VectorXd a(2), b(1);
  a.setZero();
  b.setZero();
  CHECK_THROWS_WITH(integ::tao{}.step(h, a, b, 0.1), "tao::step: q has 2 elements, p has 1");
}
