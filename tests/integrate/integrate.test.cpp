#include <hamgen/integrate/integrate.hpp>

#include <hamgen/hamiltonian/systems/harmonic_oscillator.hpp>
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/uncoupled_oscillators.hpp>
#include <hamgen/integrate/rk4.hpp>
#include <hamgen/integrate/splitting.hpp>

#include <catch2/catch.hpp>

// example:begin integrators
// clang-format off
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/splitting.hpp>

namespace ham = hamgen::ham;
namespace integ = hamgen::integrate;

double pendulum_energy_drift() {
  const ham::pendulum h{.m = 0.5, .g = 3.0, .l = 1.0};   // the DeepMind suite's pendulum
  Eigen::Vector<double, 1> q(2.0), p(0.0);                // fixed-size state (Eigen::VectorXd works too)
  const double e0 = h.energy(q, p);
  double drift = 0;
  integ::integrate_const(integ::yoshida4{}, h, q, p, 0.0, 10.0, 0.01,
                         [&](const auto& qt, const auto& pt, double /*t*/) {
                           drift = std::max(drift, std::abs(h.energy(qt, pt) - e0));
                         });
  const auto traj = integ::rollout(integ::leapfrog{}, h, q, p, 0.05, 100);   // traj.q: 101 x 1
  return std::max(drift, std::abs(h.energy(traj.q.row(100).transpose().eval(),
                                           traj.p.row(100).transpose().eval()) - e0));
}
// clang-format on
// example:end

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using vec1 = Eigen::Vector<double, 1>;

TEST_CASE("no secular energy drift over 1e6 leapfrog steps, while RK4 drifts", "[integrate][energy]") {
  const ham::harmonic_oscillator h{.k = 2.0, .m = 0.5};
  const double dt = 0.1; // ω = 2: 31 steps per period
  auto run = [&](const auto& st, double& early_max, double& final_err) {
    vec1 q(1.0), p(0.0);
    const double e0 = h.energy(q, p);
    early_max = 0;
    std::size_t k = 0;
    integ::integrate_n_steps(st, h, q, p, 0.0, dt, 1000000, [&](const vec1& qq, const vec1& pp, double) {
      if (k++ <= 1000) early_max = std::max(early_max, std::abs(h.energy(qq, pp) - e0) / e0);
    });
    final_err = std::abs(h.energy(q, p) - e0) / e0;
  };
  double lf_early = 0, lf_final = 0, rk_early = 0, rk_final = 0;
  run(integ::leapfrog{}, lf_early, lf_final);
  run(integ::rk4{}, rk_early, rk_final);
  CHECK(lf_early > 0);
  CHECK(lf_final <= 2 * lf_early);
  CHECK(rk_final > 2 * rk_early); // the same criterion fails for a non-symplectic method
  CHECK(rk_final > 100 * rk_early);
}

TEST_CASE("integrate_const takes the steps that fit and calls the observer at every time",
          "[integrate][integrate_const]") {
  const ham::harmonic_oscillator h;
  vec1 q(1.0), p(0.0);
  std::vector<double> times;
  const auto n = integ::integrate_const(integ::leapfrog{}, h, q, p, 1.0, 2.0, 0.1,
                                        [&](const vec1&, const vec1&, double t) { times.push_back(t); });
  CHECK(n == 10);
  REQUIRE(times.size() == 11);
  CHECK(times.front() == 1.0);
  CHECK(times.back() == Approx(2.0).margin(1e-12));
  const auto [qe, pe] = h.exact(vec1(1.0), vec1(0.0), 1.0);
  CHECK(q(0) == Approx(qe(0)).margin(1e-2));
  // A span that is not a multiple of dt: no partial step.
  CHECK(integ::integrate_const(integ::leapfrog{}, h, q, p, 0.0, 1.05, 0.1) == 10);
  // Backwards in time with negative dt.
  CHECK(integ::integrate_const(integ::leapfrog{}, h, q, p, 1.0, 0.0, -0.25) == 4);
}

TEST_CASE("rollout records the trajectory that stepping produces", "[integrate][rollout]") {
  const ham::pendulum h{.m = 0.5, .g = 3, .l = 1};
  const Eigen::Vector2d q0(1.0, -0.5), p0(0.0, 0.3);
  const auto tr = integ::rollout(integ::yoshida4{}, h, q0, p0, 0.05, 20);
  REQUIRE(tr.q.rows() == 21);
  REQUIRE(tr.q.cols() == 2);
  CHECK(tr.t(20) == Approx(1.0));
  Eigen::Vector2d q = q0, p = p0;
  for (int k = 1; k <= 20; ++k) {
    integ::yoshida4{}.step(h, q, p, 0.05);
    CHECK(tr.q(k, 0) == q(0));
    CHECK(tr.q(k, 1) == q(1));
    CHECK(tr.p(k, 1) == p(1));
  }
  CHECK(tr.q(0, 0) == 1.0);
}

TEST_CASE("batches step every trajectory like a single integration", "[integrate][batch]") {
  const ham::pendulum h{.m = 0.5, .g = 3, .l = 1};
  integ::batch_matrix<double, 1> Q(5, 1), P(5, 1);
  for (int b = 0; b < 5; ++b) {
    Q(b, 0) = 0.3 * b;
    P(b, 0) = 0.1 * b - 0.2;
  }
  const auto Q0 = Q, P0 = P;
  integ::integrate_batch(integ::leapfrog{}, h, Q, P, 0.05, 40);
  const auto tr = integ::rollout_batch(integ::leapfrog{}, h, Q0, P0, 0.05, 40);
  CHECK(tr.q.rows() == 5);
  CHECK(tr.q.cols() == 41);
  for (int b = 0; b < 5; ++b) {
    vec1 q(Q0(b, 0)), p(P0(b, 0));
    integ::integrate_n_steps(integ::leapfrog{}, h, q, p, 0.0, 0.05, 40);
    CHECK(Q(b, 0) == q(0));
    CHECK(P(b, 0) == p(0));
    CHECK(tr.q(b, 40) == Approx(q(0)).margin(1e-14)); // stepwise vs merged stages
    CHECK(tr.p(b, 0) == P0(b, 0));
  }
  // Dynamic dof, row-major: 3 trajectories of 4 uncoupled oscillators.
  const auto osc = ham::uncoupled_oscillators::spread(4);
  integ::batch_matrix<double> Qd = integ::batch_matrix<double>::Random(3, 4),
                              Pd = integ::batch_matrix<double>::Zero(3, 4);
  const auto Qd0 = Qd;
  integ::integrate_batch(integ::blanes_moan4{}, osc, Qd, Pd, 0.01, 100);
  for (int b = 0; b < 3; ++b) {
    const Eigen::VectorXd q0 = Qd0.row(b).transpose();
    const auto [qe, pe] = osc.exact(q0, Eigen::VectorXd::Zero(4).eval(), 1.0);
    CHECK((Qd.row(b).transpose() - qe).cwiseAbs().maxCoeff() < 1e-8);
  }
}

TEST_CASE("integration algorithms reject bad input naming the values", "[integrate][errors]") {
  const ham::harmonic_oscillator h;
  vec1 q(1.0), p(0.0);
  CHECK_THROWS_WITH(integ::integrate_const(integ::leapfrog{}, h, q, p, 0.0, 1.0, -0.1),
                    Catch::Contains("integrate_const: dt = -0.10000000000000001 points away from t1"));
  CHECK_THROWS_AS(integ::integrate_const(integ::leapfrog{}, h, q, p, 0.0, 1.0, 0.0), hamgen::value_error);
  CHECK_THROWS_AS(integ::integrate_const(integ::leapfrog{}, h, q, p, 0.0, HUGE_VAL, 0.1),
                  hamgen::value_error);
  CHECK_THROWS_AS(integ::integrate_n_steps(integ::leapfrog{}, h, q, p, 0.0, std::nan(""), 3),
                  hamgen::value_error);
  vec1 bad(std::nan(""));
  CHECK_THROWS_WITH(integ::integrate_n_steps(integ::leapfrog{}, h, bad, p, 0.0, 0.1, 3),
                    Catch::Contains("leapfrog::integrate_n_steps: q[0] is not finite"));
  Eigen::VectorXd a(2), b(3);
  a.setZero();
  b.setZero();
  CHECK_THROWS_AS(integ::rollout(integ::rk4{}, h, a, b, 0.1, 3), hamgen::shape_error);
  integ::batch_matrix<double> Q(2, 3), P(3, 3);
  Q.setZero();
  P.setZero();
  CHECK_THROWS_WITH(integ::integrate_batch(integ::leapfrog{}, h, Q, P, 0.1, 1),
                    Catch::Contains("integrate_batch: Q is 2x3, P is 3x3"));
  P.resize(2, 3);
  P.setZero();
  P(1, 2) = HUGE_VAL;
  CHECK_THROWS_WITH(integ::integrate_batch(integ::leapfrog{}, h, Q, P, 0.1, 1),
                    Catch::Contains("trajectory 1 is not finite"));
}

namespace {
// The lines between "example:begin integrators" and "example:end" markers of a file, without code
// fences and trailing blanks.
std::vector<std::string> marked_block(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  std::vector<std::string> out;
  bool in = false;
  for (std::string line; std::getline(f, line);) {
    if (line.find("example:begin integrators") != std::string::npos) {
      in = true;
      continue;
    }
    if (line.find("example:end") != std::string::npos) break;
    if (!in || line.rfind("```", 0) == 0 || line.find("clang-format") != std::string::npos) continue;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    out.push_back(line);
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  while (!out.empty() && out.front().empty()) out.erase(out.begin());
  return out;
}
} // namespace

TEST_CASE("the usage example of docs/integrators.md is this compiled code", "[integrate][docs]") {
  const auto doc = marked_block(std::string(HAMGEN_SOURCE_DIR) + "/docs/integrators.md");
  const auto code = marked_block(__FILE__);
  REQUIRE(code.size() > 10);
  REQUIRE(doc.size() == code.size());
  for (std::size_t i = 0; i < doc.size(); ++i) {
    INFO("line " << i + 1 << " of the example");
    CHECK(doc[i] == code[i]);
  }
  // And the example does what the doc says: a bounded energy error.
  const double drift = pendulum_energy_drift();
  CHECK(drift > 0);
  CHECK(drift < 1e-3);
}
