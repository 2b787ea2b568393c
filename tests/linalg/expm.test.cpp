// Tests of hamgen/linalg/expm.hpp against closed forms, Eigen's MatrixFunctions .exp() and a long double
// Taylor reference (tests/linalg/reference.hpp).
#include <hamgen/linalg/expm.hpp>
#include <hamgen/linalg/hamiltonian_matrix.hpp>

#include "reference.hpp"

#include <catch2/catch.hpp>
#include <unsupported/Eigen/MatrixFunctions>

#include <cmath>
#include <limits>
#include <vector>

using namespace hamgen::linalg;
using hamgen_test::dmatrix;

namespace {
constexpr expm_options taylor_opt{.method = expm_method::taylor, .closed_form_2x2 = false};
constexpr expm_options pade_opt{.method = expm_method::pade, .closed_form_2x2 = false};
constexpr expm_options closed_opt{};

template <class T>
double tol_for() {
  return std::is_same_v<T, float> ? 2e-6 : 1e-14;
}
} // namespace

TEMPLATE_TEST_CASE("expm: closed forms (rotation, hyperbolic, nilpotent, diagonal)", "[linalg][expm]", float,
                   double) {
  using T = TestType;
  using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  const double tol = tol_for<T>();
  for (const expm_options& opt : {taylor_opt, pade_opt, closed_opt}) {
    for (double th : {1e-9, 0.3, 1.0, 2.5, 7.0, 40.0}) {
      M a(2, 2);
      a << T(0), T(th), T(-th), T(0);
      const M e = expm(a, opt);
      CHECK(std::abs(e(0, 0) - std::cos(th)) <= tol * 4 * std::max(1.0, th));
      CHECK(std::abs(e(0, 1) - std::sin(th)) <= tol * 4 * std::max(1.0, th));
      CHECK(std::abs(e(1, 0) + std::sin(th)) <= tol * 4 * std::max(1.0, th));
      CHECK(std::abs(e(1, 1) - std::cos(th)) <= tol * 4 * std::max(1.0, th));
    }
    for (double x : {1e-7, 0.5, 3.0, 20.0}) { // 2x2 hyperbolic [[0, x], [x, 0]]
      M a(2, 2);
      a << T(0), T(x), T(x), T(0);
      const M e = expm(a, opt);
      CHECK(std::abs(e(0, 0) / std::cosh(x) - 1) <= tol * 8);
      CHECK(std::abs(e(0, 1) / std::sinh(x) - 1) <= tol * 8);
    }
    // nilpotent: strictly upper triangular 5x5, exp = I + N + N^2/2 + N^3/6 + N^4/24 exactly
    M n = M::Zero(5, 5);
    for (int i = 0; i < 5; ++i)
      for (int j = i + 1; j < 5; ++j) n(i, j) = T(0.7 * (i + 1) - 0.3 * j);
    M want = M::Identity(5, 5), p = M::Identity(5, 5);
    for (int k = 1; k <= 4; ++k) {
      p = (p * n / T(k)).eval();
      want += p;
    }
    CHECK((expm(n, opt) - want).norm() <= tol * 4 * want.norm());
    // diagonal
    M dg = M::Zero(6, 6);
    for (int i = 0; i < 6; ++i) dg(i, i) = T(-3.0 + 1.7 * i);
    const M ed = expm(dg, opt);
    for (int i = 0; i < 6; ++i) CHECK(std::abs(ed(i, i) / std::exp(double(dg(i, i))) - 1) <= tol * 8);
    CHECK((ed - M(ed.diagonal().asDiagonal())).norm() == 0);
    // zero and 1x1
    CHECK(expm(M::Zero(3, 3), opt).isIdentity(0));
    M one(1, 1);
    one << T(1.5);
    CHECK(std::abs(expm(one, opt)(0, 0) / std::exp(1.5) - 1) <= tol * 4);
  }
}

TEST_CASE("expm: shear 2x2 and the closed form for general 2x2 matrices", "[linalg][expm]") {
  Eigen::Matrix2d s;
  s << 0, 2.5, 0, 0;
  const Eigen::Matrix2d es = expm_2x2(s);
  CHECK(es(0, 0) == 1.0);
  CHECK(es(0, 1) == 2.5);
  CHECK(es(1, 0) == 0.0);
  CHECK(es(1, 1) == 1.0);
  std::mt19937_64 rng(3);
  for (int k = 0; k < 50; ++k) {
    const dmatrix a = hamgen_test::random_matrix(2, 0.1 + 0.2 * k, rng);
    const auto ref = hamgen_test::expm_reference(a);
    CHECK(hamgen_test::rel_error(expm_2x2(a), ref) <= 1e-14);
    CHECK(hamgen_test::rel_error(expm(a), ref) <= 1e-14);
  }
}

TEST_CASE("expm: large norms (||H||_1 up to 1e3) by scaling, without overflow", "[linalg][expm]") {
  std::mt19937_64 rng(5);
  for (double nrm : {300.0, 1000.0}) {
    // skew variant: the exponential is orthogonal, so it is representable at any norm
    Eigen::MatrixXd a = hamgen_test::random_matrix(6, 1.0, rng);
    const dmatrix h0 = skew_hamiltonian(a);
    const dmatrix h = h0 * (nrm / hamgen_test::norm1(h0));
    expm_info info;
    const dmatrix e = expm(h, {}, &info);
    CHECK(info.squarings >= 8);
    CHECK(orthogonality_defect(e) <= 1e-11);
    CHECK(symplecticity_defect(e) <= 1e-11);
    CHECK(hamgen_test::rel_error(e, hamgen_test::expm_reference(h)) <= 1e-12);
  }
  // a Hamiltonian matrix with ||H||_1 = 1e3 whose exponential is moderate: q' = 1000 p, p' = -1e-3 q ...
  Eigen::Matrix4d h;
  h << 0, 0, 1000, 0, 0, 0, 0, 1, -0.001, 0, 0, 0, 0, -1, 0, 0;
  const Eigen::Matrix4d e = expm(h, taylor_opt);
  const auto ref = hamgen_test::expm_reference(h);
  CHECK(hamgen_test::rel_error(e, ref) <= 1e-13);
}

TEST_CASE("expm: symplecticity of exp(H) and group properties", "[linalg][expm]") {
  std::mt19937_64 rng(9);
  for (int d : {1, 2, 6, 12, 24}) {
    for (double nrm : {0.05, 1.0, 10.0}) {
      const dmatrix h = hamgen_test::random_hamiltonian(d, nrm, rng);
      const dmatrix e = expm(h);
      const double e2 = e.norm() * e.norm() / (2.0 * d); // ||E||_F^2 / ||J||_F^2 scale of the defect
      INFO("d = " << d << ", norm " << nrm << ": defect " << symplecticity_defect(e) << ", eigen "
                  << symplecticity_defect(dmatrix(h.exp())) << ", ||E||^2 scale " << e2);
      // Rounding E alone gives a defect of order u ||E||^2: the bound is 1e-13 relative to that scale.
      CHECK(symplecticity_defect(e) <= 1e-13 * std::max(1.0, e2));
      CHECK(symplecticity_defect(e) <= 4 * symplecticity_defect(dmatrix(h.exp())) + 1e-15);
      // exp(tH) exp(-tH) = I and exp((s+t)H) = exp(sH) exp(tH)
      const double t = 0.7, s = -0.25;
      const dmatrix ep = expm(h, t), em = expm(h, -t);
      const double c = ep.norm() * em.norm() / std::sqrt(2.0 * d);
      CHECK((ep * em - dmatrix::Identity(2 * d, 2 * d)).norm() / std::sqrt(2.0 * d) <=
            1e-14 * std::max(1.0, c));
      const dmatrix es = expm(h, s), est = expm(h, s + t);
      CHECK((es * ep - est).norm() <= 1e-14 * std::max(1.0, es.norm() * ep.norm()));
    }
  }
  // rotation-type (skew) exponentials meet the literal 1e-13 symplecticity / orthogonality level
  for (int d : {1, 3, 12, 24}) {
    const dmatrix h = skew_hamiltonian(hamgen_test::random_matrix(d, 5.0, rng));
    const dmatrix e = expm(h);
    CHECK(symplecticity_defect(e) <= 1e-13);
    CHECK(orthogonality_defect(e) <= 1e-13);
  }
}

TEST_CASE("expm: degree and scaling follow the backward-error thresholds", "[linalg][expm]") {
  std::mt19937_64 rng(4);
  const dmatrix h = hamgen_test::random_hamiltonian(6, 1.0, rng);
  int last_products = -1;
  for (double c : {1e-17, 1e-9, 1e-4, 1e-2, 0.2, 1.0, 8.0, 64.0}) {
    expm_info info;
    const dmatrix x = expm(dmatrix(c * h), taylor_opt, &info);
    CHECK(info.products >= last_products); // cost never decreases with the norm
    last_products = info.products;
    CHECK((info.degree == 1 || info.degree == 2 || info.degree == 4 || info.degree == 8 ||
           info.degree == 12 || info.degree == 18));
    if (info.squarings > 0) CHECK(info.degree == 18);
    CHECK(hamgen_test::rel_error(x, hamgen_test::expm_reference(dmatrix(c * h))) <= 1e-14 * std::max(1.0, c));
  }
  expm_info tiny;
  (void)expm(dmatrix(1e-17 * h), taylor_opt, &tiny);
  CHECK(tiny.degree == 1);
  expm_info big;
  (void)expm(dmatrix(64.0 * h), taylor_opt, &big);
  CHECK(big.squarings >= 4);
}

TEST_CASE("expm: bad input raises shape_error / value_error naming the function", "[linalg][expm][errors]") {
  const dmatrix rect(3, 4);
  CHECK_THROWS_AS(expm(rect), hamgen::shape_error);
  CHECK_THROWS_WITH(expm(rect), Catch::Contains("expm: matrix is 3x4, not square"));
  dmatrix nan = dmatrix::Zero(3, 3);
  nan(1, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(expm(nan), hamgen::value_error);
  CHECK_THROWS_WITH(expm(nan), Catch::Contains("expm: A(1,2) is not finite"));
  dmatrix inf = dmatrix::Zero(2, 2);
  inf(0, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(expm(inf), hamgen::value_error);
  CHECK_THROWS_WITH(expm(dmatrix::Identity(2, 2), std::numeric_limits<double>::infinity()),
                    Catch::Contains("expm: t is not finite"));
  const dmatrix huge = 1000.0 * dmatrix::Identity(3, 3); // e^1000 overflows double
  CHECK_THROWS_WITH(expm(huge), Catch::Contains("expm: the exponential overflows"));
  std::vector<double> batch(2 * 9, 0.0), out(2 * 9);
  batch[9 + 4] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(expm_batch(batch.data(), out.data(), 2, 3),
                    Catch::Contains("expm_batch: matrix 1 element 4"));
  CHECK_THROWS_AS(expm_2x2(dmatrix::Zero(3, 3)), hamgen::shape_error);
}
