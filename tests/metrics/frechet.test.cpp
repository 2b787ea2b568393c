// Tests for hamgen/metrics/frechet.hpp against closed forms: identical sets, shifted and scaled sets,
// commuting (diagonal) Gaussians, and a non-commuting 2x2 pair via tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
#include <hamgen/metrics/frechet.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

namespace hm = hamgen::metrics;

namespace {

Eigen::MatrixXd random_features(int n, int d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  Eigen::MatrixXd x(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) x(i, j) = z(rng) * (1.0 + 0.3 * j) + 0.5 * j; // anisotropic, non-zero mean
  // correlate the columns
  Eigen::MatrixXd mix = Eigen::MatrixXd::Identity(d, d);
  for (int j = 1; j < d; ++j) mix(j - 1, j) = 0.4;
  return x * mix;
}

} // namespace

TEST_CASE("frechet: feature statistics are the sample mean and (N-1) covariance", "[metrics][frechet]") {
  Eigen::MatrixXd x(3, 2);
  x << 1, 2, 3, 4, 5, 9;
  const auto g = hm::feature_statistics(x);
  CHECK(g.mean[0] == Approx(3.0));
  CHECK(g.mean[1] == Approx(5.0));
  // deviations: (-2,-3), (0,-1), (2,4): S = [[8, 14], [14, 26]] / 2
  CHECK(g.covariance(0, 0) == Approx(4.0));
  CHECK(g.covariance(0, 1) == Approx(7.0));
  CHECK(g.covariance(1, 0) == Approx(7.0));
  CHECK(g.covariance(1, 1) == Approx(13.0));
  const auto g0 = hm::feature_statistics(x, {.ddof = 0});
  CHECK(g0.covariance(1, 1) == Approx(26.0 / 3.0));
}

TEST_CASE("frechet: identical sets give 0, shifted and scaled sets the closed form", "[metrics][frechet]") {
  const Eigen::MatrixXd x = random_features(200, 6, 11);
  CHECK(hm::frechet_distance(x, x) == Approx(0.0).margin(1e-10));

  // Shift by c: covariances equal -> d = ||c||^2.
  Eigen::RowVectorXd c(6);
  c << 0.5, -1.0, 2.0, 0.0, 0.25, -0.75;
  const Eigen::MatrixXd shifted = x.rowwise() + c;
  CHECK(hm::frechet_distance(x, shifted) == Approx(c.squaredNorm()).epsilon(1e-9));

  // Scale by s > 0: mean s mu, covariance s^2 S -> d = (1 - s)^2 (||mu||^2 + tr S).
  const double s = 1.7;
  const Eigen::MatrixXd scaled = s * x;
  const auto g = hm::feature_statistics(x);
  const double expected = (1 - s) * (1 - s) * (g.mean.squaredNorm() + g.covariance.trace());
  CHECK(hm::frechet_distance(x, scaled) == Approx(expected).epsilon(1e-9));
  CHECK(hm::frechet_distance(scaled, x) == Approx(expected).epsilon(1e-9)); // symmetric
}

TEST_CASE("frechet: commuting diagonal Gaussians", "[metrics][frechet]") {
  // d = ||mu1 - mu2||^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
  const Eigen::Vector4d va(1.0, 4.0, 0.25, 9.0), vb(2.0, 1.0, 0.25, 0.5);
  const Eigen::Vector4d ma(0.0, 1.0, -1.0, 3.0), mb(1.0, 1.0, 2.0, -3.0);
  const hm::gaussian_moments a{ma, va.asDiagonal().toDenseMatrix()};
  const hm::gaussian_moments b{mb, vb.asDiagonal().toDenseMatrix()};
  const double expected = (ma - mb).squaredNorm() + (va.cwiseSqrt() - vb.cwiseSqrt()).squaredNorm();
  CHECK(hm::frechet_distance(a, b) == Approx(expected).epsilon(1e-13));
  // 1-D: (mu1 - mu2)^2 + (sigma1 - sigma2)^2.
  const hm::gaussian_moments u{Eigen::VectorXd::Constant(1, 2.0), Eigen::MatrixXd::Constant(1, 1, 9.0)};
  const hm::gaussian_moments w{Eigen::VectorXd::Constant(1, -1.0), Eigen::MatrixXd::Constant(1, 1, 4.0)};
  CHECK(hm::frechet_distance(u, w) == Approx(9.0 + 1.0).epsilon(1e-14));
}

TEST_CASE("frechet: non-commuting 2x2 covariances", "[metrics][frechet]") {
  // For 2x2 M = S1 S2 with positive eigenvalues: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
  Eigen::Matrix2d s1, s2;
  s1 << 2.0, 0.7, 0.7, 1.0;
  s2 << 0.5, -0.3, -0.3, 3.0;
  REQUIRE((s1 * s2 - s2 * s1).norm() > 0.1); // really non-commuting
  const Eigen::Matrix2d m = s1 * s2;
  const double tr_sqrt = std::sqrt(m.trace() + 2.0 * std::sqrt(m.determinant()));
  CHECK(hm::trace_sqrt_product(s1, s2) == Approx(tr_sqrt).epsilon(1e-13));
  CHECK(hm::trace_sqrt_product(s2, s1) == Approx(tr_sqrt).epsilon(1e-13));
  const Eigen::Vector2d m1(0.3, -0.2), m2(-1.0, 0.4);
  const double expected = (m1 - m2).squaredNorm() + s1.trace() + s2.trace() - 2.0 * tr_sqrt;
  CHECK(hm::frechet_distance({m1, s1}, {m2, s2}) == Approx(expected).epsilon(1e-13));

  const Eigen::MatrixXd r = hm::psd_sqrt(s1);
  CHECK((r * r - Eigen::MatrixXd(s1)).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((r - r.transpose()).cwiseAbs().maxCoeff() < 1e-15);
}

TEST_CASE("frechet: singular covariances (fewer samples than dimensions) stay finite", "[metrics][frechet]") {
  // N = 4 samples in D = 10: rank-3 covariance with exactly-zero eigenvalues that round to +-1e-16.
  const Eigen::MatrixXd x = random_features(4, 10, 5);
  const double same = hm::frechet_distance(x, x);
  CHECK(std::isfinite(same));
  CHECK(same == Approx(0.0).margin(1e-9));
  Eigen::RowVectorXd c = Eigen::RowVectorXd::LinSpaced(10, -1.0, 1.0);
  const Eigen::MatrixXd shifted = x.rowwise() + c;
  CHECK(hm::frechet_distance(x, shifted) == Approx(c.squaredNorm()).epsilon(1e-11));
  // Two independent rank-deficient sets: finite and non-negative.
  const double other = hm::frechet_distance(x, random_features(4, 10, 6));
  CHECK(std::isfinite(other));
  CHECK(other > 0.0);
}

TEST_CASE("frechet: invalid inputs", "[metrics][frechet]") {
  const Eigen::MatrixXd x = random_features(10, 3, 1), y = random_features(10, 4, 2);
  CHECK_THROWS_WITH(hm::frechet_distance(x, y),
                    Catch::Contains("frechet_distance: feature dimensions differ"));
  CHECK_THROWS_WITH(hm::feature_statistics(Eigen::MatrixXd::Ones(1, 3)), Catch::Contains("too few"));
  CHECK_THROWS_AS(hm::feature_statistics(Eigen::MatrixXd(0, 3)), hamgen::shape_error);
  Eigen::MatrixXd bad = x;
  bad(2, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(hm::frechet_distance(bad, x), Catch::Contains("features(2, 1) is not finite"));

  const hm::gaussian_moments good{Eigen::Vector2d(0, 0), Eigen::Matrix2d::Identity()};
  hm::gaussian_moments indefinite{Eigen::Vector2d(0, 0), Eigen::Matrix2d::Identity()};
  indefinite.covariance(1, 1) = -0.5;
  CHECK_THROWS_WITH(hm::frechet_distance(good, indefinite), Catch::Contains("not positive semi-definite"));
  hm::gaussian_moments asym = good;
  asym.covariance(0, 1) = 0.3;
  CHECK_THROWS_WITH(hm::frechet_distance(asym, good), Catch::Contains("not symmetric"));
  hm::gaussian_moments wrong{Eigen::Vector3d(0, 0, 0), Eigen::Matrix2d::Identity()};
  CHECK_THROWS_AS(hm::frechet_distance(wrong, good), hamgen::shape_error);
  hm::gaussian_moments three{Eigen::Vector3d(0, 0, 0), Eigen::Matrix3d::Identity()};
  CHECK_THROWS_WITH(hm::frechet_distance(three, good),
                    Catch::Contains("dimensions differ: a has 3, b has 2"));
  hm::gaussian_moments inf = good;
  inf.mean[1] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(hm::frechet_distance(inf, good), hamgen::value_error);
  CHECK_THROWS_AS(hm::psd_sqrt(Eigen::MatrixXd::Ones(2, 3)), hamgen::shape_error);
}
