#include <hamgen/hamiltonian/systems/harmonic_oscillator.hpp>
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/two_body.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/splitting.hpp>

#include "integrator_checks.hpp"

#include <catch2/catch.hpp>

#include <tuple>

namespace integ = hamgen::integrate;
namespace ham = hamgen::ham;
using hamgen_test::dual_state;

namespace {

// Max-norm error at T = 3 of the circular Kepler orbit (closed form) with n steps.
template <class St>
double kepler_error(int n) {
  const double T = 3.0;
  auto [q, p] = ham::two_body_circular(1.0, 0.5);
  const auto [qe, pe] = ham::two_body_circular_exact(1.0, 0.5, T);
  integ::integrate_n_steps(St{}, ham::two_body{}, q, p, 0.0, T / n, static_cast<std::size_t>(n));
  return std::max((q - qe).cwiseAbs().maxCoeff(), (p - pe).cwiseAbs().maxCoeff());
}

template <class St>
double measured_order(std::initializer_list<int> ns) {
  std::vector<double> dts, errs;
  for (int n : ns) {
    dts.push_back(3.0 / n);
    errs.push_back(kepler_error<St>(n));
  }
  return hamgen_test::convergence_slope(dts, errs);
}

// A separable system that counts its force evaluations.
struct counting_oscillator : ham::separable_base<counting_oscillator> {
  mutable int forces = 0;
  template <ham::state_vector S>
  ham::scalar_of<S> energy(const S& q, const S& p) const {
    return 0.5 * (q.squaredNorm() + p.squaredNorm());
  }
  template <ham::state_vector S>
  S potential_grad(const S& q) const {
    ++forces;
    return q;
  }
  template <ham::state_vector S>
  S kinetic_grad(const S& p) const {
    return p;
  }
};

} // namespace

TEST_CASE("splitting tables are consistent, palindromic and of the advertised size",
          "[integrate][splitting]") {
  STATIC_REQUIRE(integ::leapfrog::table.size == 3);
  STATIC_REQUIRE(integ::yoshida4::table.size == 7);
  STATIC_REQUIRE(integ::yoshida6::table.size == 19);
  STATIC_REQUIRE(integ::yoshida8::table.size == 55);
  STATIC_REQUIRE(integ::yoshida8::order == 8);
  STATIC_REQUIRE(integ::mclachlan4::order == 4);
  STATIC_REQUIRE(std::is_same_v<integ::forest_ruth, integ::yoshida4>);
  STATIC_REQUIRE(std::is_same_v<integ::stormer_verlet, integ::leapfrog_kdk>);
  STATIC_REQUIRE(integ::consistent(integ::blanes_moan4::table));
  STATIC_REQUIRE(integ::palindromic(integ::yoshida6::table));
  STATIC_REQUIRE_FALSE(integ::symplectic_euler::symmetric);
  STATIC_REQUIRE(integ::stepper_for<integ::yoshida4, ham::pendulum, Eigen::Vector<double, 1>>);
}

TEST_CASE("measured convergence order of every splitting method (Kepler circular orbit)",
          "[integrate][splitting][order]") {
  const double tol = 0.15;
  CHECK(measured_order<integ::symplectic_euler_kd>({400, 800, 1600}) == Approx(1).margin(tol));
  CHECK(measured_order<integ::symplectic_euler_dk>({400, 800, 1600}) == Approx(1).margin(tol));
  CHECK(measured_order<integ::leapfrog_kdk>({100, 200, 400}) == Approx(2).margin(tol));
  CHECK(measured_order<integ::leapfrog_dkd>({100, 200, 400}) == Approx(2).margin(tol));
  CHECK(measured_order<integ::yoshida4>({50, 100, 200}) == Approx(4).margin(tol));
  CHECK(measured_order<integ::mclachlan4>({30, 60, 120}) == Approx(4).margin(tol));
  CHECK(measured_order<integ::blanes_moan4>({30, 60, 120}) == Approx(4).margin(tol));
  CHECK(measured_order<integ::yoshida6>({20, 30, 40, 60}) == Approx(6).margin(tol));
  CHECK(measured_order<integ::yoshida8>({12, 16, 20, 24}) == Approx(8).margin(tol));
  // The finest error of the order-8 fit stays far above round-off.
  CHECK(kepler_error<integ::yoshida8>(24) > 1e-11);
}

TEST_CASE("splitting one-step maps are symplectic on the pendulum and the Kepler problem",
          "[integrate][splitting][symplectic]") {
  const ham::pendulum pend{.m = 0.5, .g = 3.0, .l = 1.0};
  const ham::two_body kep{};
  Eigen::VectorXd qp(1), pp(1);
  qp << 2.0;
  pp << 0.7;
  const auto [qk4, pk4] = ham::two_body_circular(1.0, 0.5);
  Eigen::VectorXd qk = qk4, pk = pk4;
  pk(0) += 0.1; // eccentric
  auto check = [&](auto st) {
    using St = decltype(st);
    INFO(St::name);
    const auto Phi_p = hamgen_test::one_step_jacobian(qp, pp, [&](dual_state& q, dual_state& p) {
      typename St::template cache<dual_state> c;
      st.step(pend, q, p, 0.3, c);
    });
    CHECK(hamgen_test::symplectic_defect(Phi_p) <= 1e-12);
    const auto Phi_k = hamgen_test::one_step_jacobian(qk, pk, [&](dual_state& q, dual_state& p) {
      typename St::template cache<dual_state> c;
      st.step(kep, q, p, 0.1, c);
    });
    CHECK(hamgen_test::symplectic_defect(Phi_k) <= 1e-12);
    CHECK((Phi_k - Eigen::MatrixXd::Identity(8, 8)).cwiseAbs().maxCoeff() > 1e-3); // a real map
  };
  std::apply([&](auto... s) { (check(s), ...); },
             std::tuple<integ::symplectic_euler_kd, integ::symplectic_euler_dk, integ::leapfrog_kdk,
                        integ::leapfrog_dkd, integ::yoshida4, integ::yoshida6, integ::yoshida8,
                        integ::mclachlan4, integ::blanes_moan4>{});
}

TEST_CASE("symmetric splitting methods are time-reversible", "[integrate][splitting][reversible]") {
  const ham::two_body kep{};
  const auto [q0, p0] = ham::two_body_circular(1.0, 0.5);
  auto check = [&](auto st) {
    INFO(decltype(st)::name);
    auto q = q0;
    auto p = p0;
    st.step(kep, q, p, 0.05);
    CHECK((q - q0).cwiseAbs().maxCoeff() > 1e-3);
    st.step(kep, q, p, -0.05);
    CHECK((q - q0).cwiseAbs().maxCoeff() <= 1e-13);
    CHECK((p - p0).cwiseAbs().maxCoeff() <= 1e-13);
  };
  std::apply([&](auto... s) { (check(s), ...); },
             std::tuple<integ::leapfrog_kdk, integ::leapfrog_dkd, integ::yoshida4, integ::yoshida6,
                        integ::yoshida8, integ::mclachlan4, integ::blanes_moan4>{});
  // Symplectic Euler is not symmetric: the same test fails for it.
  auto q = q0;
  auto p = p0;
  integ::symplectic_euler{}.step(kep, q, p, 0.05);
  integ::symplectic_euler{}.step(kep, q, p, -0.05);
  CHECK((q - q0).cwiseAbs().maxCoeff() > 1e-6);
}

TEST_CASE("consecutive steps reuse the last force (first-same-as-last)", "[integrate][splitting][fsal]") {
  Eigen::Vector2d q(1.0, 0.5), p(0.0, 0.2);
  counting_oscillator h;
  integ::integrate_n_steps(integ::leapfrog{}, h, q, p, 0.0, 0.01, 100);
  CHECK(h.forces == 101); // one per step + the first
  h.forces = 0;
  integ::integrate_n_steps(integ::yoshida4{}, h, q, p, 0.0, 0.01, 100);
  CHECK(h.forces == 3 * 100 + 1);
  h.forces = 0;
  integ::integrate_n_steps(integ::leapfrog_dkd{}, h, q, p, 0.0, 0.01, 100);
  CHECK(h.forces == 100);
  h.forces = 0;
  (void)integ::rollout(integ::yoshida8{}, h, q, p, 0.01, 10);
  CHECK(h.forces == 27 * 10 + 1);
  // A lone step cannot reuse anything: two force evaluations for leapfrog.
  h.forces = 0;
  integ::leapfrog{}.step(h, q, p, 0.01);
  CHECK(h.forces == 2);
  // Reusing the force gives the same numbers as recomputing it (bit for bit with an observer; merged
  // boundary stages without one agree to round-off).
  Eigen::Vector2d qa(1.0, 0.5), pa(0.0, 0.2), qb = qa, pb = pa, qc = qa, pc = pa;
  integ::integrate_n_steps(integ::leapfrog{}, h, qa, pa, 0.0, 0.01, 50,
                           [](const auto&, const auto&, double) {});
  for (int k = 0; k < 50; ++k) integ::leapfrog{}.step(h, qb, pb, 0.01);
  integ::integrate_n_steps(integ::leapfrog{}, h, qc, pc, 0.0, 0.01, 50);
  CHECK((qa - qb).cwiseAbs().maxCoeff() == 0.0);
  CHECK((pa - pb).cwiseAbs().maxCoeff() == 0.0);
  CHECK((qc - qb).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((pc - pb).cwiseAbs().maxCoeff() < 1e-14);
  // Merged stages: leapfrog without an observer still evaluates the force once per step.
  h.forces = 0;
  integ::integrate_n_steps(integ::leapfrog_dkd{}, h, qc, pc, 0.0, 0.01, 100,
                           [](const auto&, const auto&, double) {});
  CHECK(h.forces == 100);
}

TEMPLATE_TEST_CASE("splitting steps float and double, fixed-size and dynamic states",
                   "[integrate][splitting]", float, double) {
  const ham::harmonic_oscillator h{.k = 2.0, .m = 0.5};
  using fixed = Eigen::Vector<TestType, 1>;
  using dyn = Eigen::VectorX<TestType>;
  fixed qf(TestType(0.7)), pf(TestType(-0.2));
  dyn qd(1), pd(1);
  qd << TestType(0.7);
  pd << TestType(-0.2);
  const auto [qe, pe] = h.exact(Eigen::Vector<double, 1>(0.7), Eigen::Vector<double, 1>(-0.2), 1.0);
  integ::integrate_n_steps(integ::yoshida4{}, h, qf, pf, 0.0, 0.01, 100);
  integ::integrate_n_steps(integ::yoshida4{}, h, qd, pd, 0.0, 0.01, 100);
  const double tol = std::is_same_v<TestType, float> ? 1e-5 : 1e-9;
  CHECK(double(qf(0)) == Approx(qe(0)).margin(tol));
  CHECK(double(pf(0)) == Approx(pe(0)).margin(tol));
  CHECK(qd(0) == qf(0));
  CHECK(pd(0) == pf(0));
}

TEST_CASE("lambda-built separable systems integrate like the named system", "[integrate][splitting]") {
  ham::separable h{
      .kinetic_grad = [](const auto& p) { return p; },
      .potential_grad = [](const auto& q) { return q; },
      .energy = [](const auto& q, const auto& p) { return 0.5 * (q.squaredNorm() + p.squaredNorm()); }};
  Eigen::Vector2d q(1, 0), p(0, 1), q2 = q, p2 = p;
  integ::integrate_n_steps(integ::mclachlan4{}, h, q, p, 0.0, 0.1, 30);
  integ::integrate_n_steps(integ::mclachlan4{}, ham::harmonic_oscillator{}, q2, p2, 0.0, 0.1, 30);
  CHECK((q - q2).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((p - p2).cwiseAbs().maxCoeff() < 1e-15);
}

TEST_CASE("splitting steps reject bad input, naming the method and the values",
          "[integrate][splitting][errors]") {
  const ham::harmonic_oscillator h;
  Eigen::VectorXd q(3), p(4);
  q.setZero();
  p.setZero();
  CHECK_THROWS_AS(integ::leapfrog{}.step(h, q, p, 0.1), hamgen::shape_error);
  CHECK_THROWS_WITH(integ::leapfrog{}.step(h, q, p, 0.1), "leapfrog::step: q has 3 elements, p has 4");
  p.resize(3);
  p.setZero();
  CHECK_THROWS_AS(integ::yoshida4{}.step(h, q, p, std::nan("")), hamgen::value_error);
  CHECK_THROWS_WITH(integ::yoshida4{}.step(h, q, p, HUGE_VAL),
                    Catch::Contains("yoshida4::step: dt is not finite"));
  q(1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(integ::mclachlan4{}.step(h, q, p, 0.1),
                    Catch::Contains("mclachlan4::step") && Catch::Contains("q[1] is not finite (inf)"));
}
