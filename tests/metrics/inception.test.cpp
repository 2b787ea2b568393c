// Tests for hamgen/metrics/inception.hpp: IS, H(y|x), H(y) against values worked by hand.
#include <hamgen/metrics/inception.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

namespace hm = hamgen::metrics;

TEST_CASE("inception: one-hot predictions spread uniformly over K classes give IS = K",
          "[metrics][inception]") {
  for (int k : {2, 5, 10}) {
    Eigen::MatrixXd p = Eigen::MatrixXd::Zero(3 * k, k);
    for (int i = 0; i < 3 * k; ++i) p(i, i % k) = 1.0;
    const auto s = hm::inception_family(p);
    CHECK(s.inception_score == Approx(static_cast<double>(k)).epsilon(1e-13));
    CHECK(s.conditional_entropy == 0.0);
    CHECK(s.marginal_entropy == Approx(std::log(static_cast<double>(k))).epsilon(1e-14));
    CHECK(hm::inception_score(p) == Approx(static_cast<double>(k)).epsilon(1e-13));
  }
}

TEST_CASE("inception: identical rows give IS = 1 and H(y|x) = H(y)", "[metrics][inception]") {
  Eigen::MatrixXd p(4, 3);
  for (int i = 0; i < 4; ++i) p.row(i) << 0.2, 0.5, 0.3;
  const double h = -(0.2 * std::log(0.2) + 0.5 * std::log(0.5) + 0.3 * std::log(0.3));
  CHECK(hm::inception_score(p) == Approx(1.0).epsilon(1e-14));
  CHECK(hm::conditional_entropy(p) == Approx(h).epsilon(1e-14));
  CHECK(hm::marginal_entropy(p) == Approx(h).epsilon(1e-14));
}

TEST_CASE("inception: a two-sample case by hand", "[metrics][inception]") {
  // rows (1/2, 1/2) and (1, 0): marginal (3/4, 1/4);
  // KL_1 = 1/2 log((1/2)/(3/4)) + 1/2 log((1/2)/(1/4)) = 1/2 log(4/3), KL_2 = log(4/3)
  // -> IS = exp(3/4 log(4/3)) = (4/3)^(3/4); H(y|x) = log(2) / 2; H(y) = -(3/4 log 3/4 + 1/4 log 1/4).
  Eigen::MatrixXd p(2, 2);
  p << 0.5, 0.5, 1.0, 0.0;
  const auto s = hm::inception_family(p);
  CHECK(s.inception_score == Approx(std::pow(4.0 / 3.0, 0.75)).epsilon(1e-14));
  CHECK(s.conditional_entropy == Approx(0.5 * std::log(2.0)).epsilon(1e-14));
  CHECK(s.marginal_entropy == Approx(-(0.75 * std::log(0.75) + 0.25 * std::log(0.25))).epsilon(1e-14));
}

TEST_CASE("inception: log IS = H(y) - H(y|x) and 1 <= IS <= K on random softmax rows",
          "[metrics][inception]") {
  std::mt19937 rng(4);
  std::normal_distribution<double> z(0.0, 2.0);
  Eigen::MatrixXf p(50, 7); // float input, as a classifier would give
  for (int i = 0; i < 50; ++i) {
    Eigen::VectorXd e(7);
    for (int k = 0; k < 7; ++k) e[k] = std::exp(z(rng));
    p.row(i) = (e / e.sum()).cast<float>().transpose();
  }
  const auto s = hm::inception_family(p);
  CHECK(std::log(s.inception_score) == Approx(s.marginal_entropy - s.conditional_entropy).epsilon(1e-12));
  CHECK(s.inception_score >= 1.0);
  CHECK(s.inception_score <= 7.0);
}

TEST_CASE("inception: split variant uses floor(i N / S) boundaries", "[metrics][inception]") {
  // N = 6, S = 2: rows {e0, e1, e0} and {e1, e1, e1}.
  // split 1: marginal (2/3, 1/3), KL = log(3/2), log 3, log(3/2) -> IS = (2.25 * 3)^(1/3) = 6.75^(1/3);
  // split 2: IS = 1.
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(6, 2);
  p(0, 0) = p(2, 0) = 1.0;
  p(1, 1) = p(3, 1) = p(4, 1) = p(5, 1) = 1.0;
  const auto s = hm::inception_score_splits(p, 2);
  const double is1 = std::cbrt(6.75);
  REQUIRE(s.per_split.size() == 2);
  CHECK(s.per_split[0] == Approx(is1).epsilon(1e-14));
  CHECK(s.per_split[1] == Approx(1.0).epsilon(1e-14));
  CHECK(s.mean == Approx((is1 + 1.0) / 2.0).epsilon(1e-14));
  CHECK(s.std == Approx((is1 - 1.0) / 2.0).epsilon(1e-13));
  // One split = the plain score.
  CHECK(hm::inception_score_splits(p, 1).mean == Approx(hm::inception_score(p)).epsilon(1e-15));

  // N = 7, S = 3: boundaries 0, 2, 4, 7. Rows 0-1 {e0, e1} (IS 2), rows 2-3 {e0, e0} (IS 1),
  // rows 4-6 {e0, e1, e1}: marginal (1/3, 2/3), KL = log 3, log 3/2, log 3/2 -> 6.75^(1/3).
  Eigen::MatrixXd q = Eigen::MatrixXd::Zero(7, 2);
  q(0, 0) = q(1, 1) = q(2, 0) = q(3, 0) = q(4, 0) = q(5, 1) = q(6, 1) = 1.0;
  const auto t = hm::inception_score_splits(q, 3);
  CHECK(t.per_split[0] == Approx(2.0).epsilon(1e-14));
  CHECK(t.per_split[1] == Approx(1.0).epsilon(1e-14));
  CHECK(t.per_split[2] == Approx(is1).epsilon(1e-14));
}

TEST_CASE("inception: invalid probabilities are rejected", "[metrics][inception]") {
  Eigen::MatrixXd p(2, 2);
  p << 0.5, 0.5, 1.2, -0.2;
  CHECK_THROWS_WITH(hm::inception_score(p), Catch::Contains("inception_score: p(1, 1) = -0.2"));
  p << 0.5, 0.5, 0.5, 0.4;
  CHECK_THROWS_WITH(hm::conditional_entropy(p), Catch::Contains("conditional_entropy: row 1 sums to 0.9"));
  CHECK(hm::inception_score(p, {.tolerance = 0.2}) > 1.0); // looser tolerance accepts it
  p << 0.5, 0.5, std::numeric_limits<double>::quiet_NaN(), 0.5;
  CHECK_THROWS_WITH(hm::marginal_entropy(p), Catch::Contains("p(1, 0) is not finite"));
  CHECK_THROWS_AS(hm::inception_family(Eigen::MatrixXd(0, 3)), hamgen::shape_error);
  p << 0.5, 0.5, 0.5, 0.5;
  CHECK_THROWS_WITH(hm::inception_score_splits(p, 3), Catch::Contains("3 splits need between 1 and N = 2"));
  CHECK_THROWS_AS(hm::inception_score_splits(p, 0), hamgen::shape_error);
  CHECK_THROWS_AS(hm::inception_score(p, {.tolerance = -1.0}), hamgen::value_error);
}
