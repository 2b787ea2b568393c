// Tests for hamgen/metrics/trajectory.hpp: VPT on constructed trajectories with known crossing steps,
// energy statistics and per-step MSE against closed forms.
#include <hamgen/metrics/trajectory.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace hm = hamgen::metrics;

namespace {

// Target: T x D, all entries non-zero. Prediction = target * (1 + eps_t) -> e_t = eps_t^2 exactly up to
// rounding, whatever the target.
Eigen::MatrixXd target_traj(int steps, int dims) {
  Eigen::MatrixXd y(steps, dims);
  for (int t = 0; t < steps; ++t)
    for (int d = 0; d < dims; ++d) y(t, d) = 0.3 + 0.1 * d + std::sin(0.2 * t + d);
  return y;
}

Eigen::MatrixXd scaled(const Eigen::MatrixXd& y, const std::vector<double>& eps) {
  Eigen::MatrixXd p = y;
  for (Eigen::Index t = 0; t < y.rows(); ++t) p.row(t) *= 1.0 + eps[static_cast<std::size_t>(t)];
  return p;
}

} // namespace

TEST_CASE("trajectory: VPT is the first step whose normalised error exceeds 0.025", "[metrics][trajectory]") {
  const int steps = 20;
  const auto y = target_traj(steps, 6);
  std::vector<double> eps(steps);
  for (int t = 0; t < steps; ++t) eps[static_cast<std::size_t>(t)] = 0.01 * t; // e_t = 1e-4 t^2
  const auto p = scaled(y, eps);
  const Eigen::VectorXd e = hm::normalised_frame_error(p, y);
  for (int t = 0; t < steps; ++t) CHECK(e[t] == Approx(1e-4 * t * t).epsilon(1e-12).margin(1e-300));
  // 15^2 * 1e-4 = 0.0225 <= 0.025 < 0.0256 = 16^2 * 1e-4 -> VPT 16.
  CHECK(hm::valid_prediction_time(p, y) == 16);
  CHECK(hm::valid_prediction_time(p, y, {.threshold = 0.0105}) == 11); // 0.0100 <= 0.0105 < 0.0121
  CHECK(hm::valid_prediction_time(p, y, {.threshold = 1.0}) == steps); // never: the segment length

  // A transient spike at step 4 ends the valid time even though later steps are accurate again.
  std::vector<double> spike(steps, 0.0);
  spike[4] = 0.5;
  CHECK(hm::valid_prediction_time(scaled(y, spike), y) == 4);
  // Identical trajectories are valid throughout.
  CHECK(hm::valid_prediction_time(y, y) == steps);
}

TEST_CASE("trajectory: the VPT threshold is strict and the error is scale-invariant",
          "[metrics][trajectory]") {
  // target 1, prediction 0.5 everywhere: e = 0.25 exactly.
  const Eigen::MatrixXd y = Eigen::MatrixXd::Ones(3, 5), p = Eigen::MatrixXd::Constant(3, 5, 0.5);
  CHECK(hm::normalised_frame_error(p, y)[0] == 0.25);
  CHECK(hm::valid_prediction_time(p, y, {.threshold = 0.25}) == 3);
  CHECK(hm::valid_prediction_time(p, y, {.threshold = 0.2499}) == 0);
  const auto yt = target_traj(7, 3);
  const Eigen::MatrixXd pt = yt + 0.05 * Eigen::MatrixXd::Ones(7, 3);
  const Eigen::VectorXd e1 = hm::normalised_frame_error(pt, yt);
  const Eigen::VectorXd e2 = hm::normalised_frame_error((255.0 * pt).eval(), (255.0 * yt).eval());
  CHECK((e1 - e2).cwiseAbs().maxCoeff() < 1e-14);

  // uint8 video frames wrapped without copying (T = 2, 4 pixels each).
  const std::uint8_t tgt[] = {10, 10, 10, 10, 20, 20, 20, 20};
  const std::uint8_t prd[] = {10, 10, 10, 10, 20, 20, 20, 0}; // frame 1: err 400 / (4*400) = 0.25
  using row_u8 = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const row_u8> mt(tgt, 2, 4), mp(prd, 2, 4);
  CHECK(hm::normalised_frame_error(mp, mt)[1] == Approx(0.25));
  CHECK(hm::valid_prediction_time(mp, mt) == 1);
}

TEST_CASE("trajectory: zero-energy target frames", "[metrics][trajectory]") {
  Eigen::MatrixXd y = Eigen::MatrixXd::Ones(4, 3), p = y;
  y.row(1).setZero();
  p.row(1).setZero();
  CHECK(hm::normalised_frame_error(p, y)[1] == 0.0);
  CHECK(hm::valid_prediction_time(p, y) == 4);
  p(1, 2) = 1e-3;
  CHECK(std::isinf(hm::normalised_frame_error(p, y)[1]));
  CHECK(hm::valid_prediction_time(p, y) == 1);
}

TEST_CASE("trajectory: VPT statistics are the median over trajectories", "[metrics][trajectory]") {
  const int steps = 20;
  const auto y = target_traj(steps, 4);
  std::vector<Eigen::MatrixXd> preds, targets;
  for (int crossing : {3, 16, 7, steps}) { // error jumps to 1 at `crossing`
    std::vector<double> eps(steps, 0.0);
    for (int t = crossing; t < steps; ++t) eps[static_cast<std::size_t>(t)] = 1.0;
    preds.push_back(scaled(y, eps));
    targets.push_back(y);
  }
  const auto s = hm::valid_prediction_times(preds, targets);
  REQUIRE(s.per_trajectory.size() == 4);
  CHECK(s.per_trajectory[0] == 3);
  CHECK(s.per_trajectory[1] == 16);
  CHECK(s.per_trajectory[2] == 7);
  CHECK(s.per_trajectory[3] == steps);
  CHECK(s.segment_length == steps);
  CHECK(s.vpt_abs == 11.5); // median of {3, 7, 16, 20}
  CHECK(s.vpt_rel == Approx(11.5 / 20.0));

  preds.pop_back();
  targets.pop_back();
  const auto odd = hm::valid_prediction_times(preds, targets);
  CHECK(odd.vpt_abs == 7.0); // median of {3, 7, 16}

  std::vector<Eigen::MatrixXd> none;
  CHECK_THROWS_AS(hm::valid_prediction_times(none, none), hamgen::shape_error);
  targets.pop_back();
  CHECK_THROWS_WITH(hm::valid_prediction_times(preds, targets),
                    Catch::Contains("3 predicted trajectories but 2"));
  preds[1] = target_traj(steps - 1, 4);
  targets.push_back(target_traj(steps - 1, 4));
  targets[1] = preds[1];
  CHECK_THROWS_WITH(hm::valid_prediction_times(preds, targets), Catch::Contains("has 19 steps"));
}

TEST_CASE("trajectory: energy standard deviation and relative error", "[metrics][trajectory]") {
  const Eigen::Vector4d e(1.0, 2.0, 3.0, 4.0);
  CHECK(hm::energy_std(e) == Approx(std::sqrt(1.25)).epsilon(1e-15));
  CHECK(hm::energy_std(e, {.ddof = 1}) == Approx(std::sqrt(5.0 / 3.0)).epsilon(1e-15));
  CHECK(hm::energy_std(e.transpose()) == Approx(std::sqrt(1.25)).epsilon(1e-15));

  // Harmonic oscillator H = (q^2 + p^2) / 2 on its exact orbit: constant energy 0.5.
  auto h = [](const Eigen::VectorXd& x) { return 0.5 * x.squaredNorm(); };
  Eigen::MatrixXd orbit(50, 2);
  for (int t = 0; t < 50; ++t) orbit.row(t) << std::cos(0.1 * t), -std::sin(0.1 * t);
  CHECK(hm::energy_std(orbit, h) < 1e-15);
  // States (sqrt(2 E_t), 0) have H = E_t: the std of the given energies.
  Eigen::MatrixXd states(4, 2);
  for (int t = 0; t < 4; ++t) states.row(t) << std::sqrt(2.0 * e[t]), 0.0;
  CHECK(hm::energy_std(states, h) == Approx(std::sqrt(1.25)).epsilon(1e-14));
  const Eigen::VectorXd et = hm::trajectory_energies(states, h);
  CHECK((et - Eigen::VectorXd(e)).cwiseAbs().maxCoeff() < 1e-14);

  const Eigen::VectorXd r = hm::relative_energy_error(Eigen::Vector3d(2.0, 2.5, 1.0));
  CHECK(r[0] == 0.0);
  CHECK(r[1] == Approx(0.25));
  CHECK(r[2] == Approx(0.5));

  CHECK_THROWS_WITH(hm::energy_std(Eigen::Vector2d(1.0, std::nan(""))), Catch::Contains("energy at step 1"));
  CHECK_THROWS_AS(hm::energy_std(Eigen::MatrixXd::Ones(2, 2)), hamgen::shape_error);
  CHECK_THROWS_AS(hm::energy_std(Eigen::VectorXd(0)), hamgen::shape_error);
  CHECK_THROWS_WITH(hm::energy_std(Eigen::VectorXd::Ones(1), {.ddof = 1}), Catch::Contains("too few"));
  auto bad = [](const Eigen::VectorXd& x) {
    return x[0] > 1.5 ? std::numeric_limits<double>::infinity() : 1.0;
  };
  CHECK_THROWS_WITH(hm::energy_std(states, bad), Catch::Contains("trajectory_energies: energy at step"));
  CHECK_THROWS_AS(hm::relative_energy_error(Eigen::Vector2d(0.0, 1.0)), hamgen::value_error);
}

TEST_CASE("trajectory: per-step MSE curves", "[metrics][trajectory]") {
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(3, 4), p = y;
  p.row(1).setConstant(0.5); // 0.25
  p(2, 0) = 2.0;             // 4 / 4 = 1
  const Eigen::VectorXd m = hm::per_step_mse(p, y);
  CHECK(m[0] == 0.0);
  CHECK(m[1] == 0.25);
  CHECK(m[2] == 1.0);
  const std::vector<Eigen::MatrixXd> ps{p, y}, ys{y, y};
  const Eigen::VectorXd mean = hm::mean_per_step_mse(ps, ys);
  CHECK(mean[1] == 0.125);
  CHECK(mean[2] == 0.5);

  CHECK_THROWS_WITH(hm::per_step_mse(p, Eigen::MatrixXd::Zero(3, 5)),
                    Catch::Contains("per_step_mse: prediction is 3x4"));
  p(0, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(hm::per_step_mse(p, y), Catch::Contains("prediction(0, 0) is not finite"));
  CHECK_THROWS_AS(hm::valid_prediction_time(p, y), hamgen::value_error);
  CHECK_THROWS_AS(hm::valid_prediction_time(y, y, {.threshold = -1.0}), hamgen::value_error);
  CHECK_THROWS_AS(hm::per_step_mse(Eigen::MatrixXd(0, 3), Eigen::MatrixXd(0, 3)), hamgen::shape_error);
}
