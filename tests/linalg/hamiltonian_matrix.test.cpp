// Tests of hamgen/linalg/hamiltonian_matrix.hpp: J, H = J sym(W), the skew variant, block-diagonal
// operators over K actions, flows forward/backward in time, the HALO energy split, 2x2 closed forms.
#include <hamgen/linalg/hamiltonian_matrix.hpp>

#include "reference.hpp"

#include <catch2/catch.hpp>
#include <unsupported/Eigen/MatrixFunctions>

#include <cmath>
#include <limits>

using namespace hamgen::linalg;
using hamgen_test::dmatrix;

TEST_CASE("symplectic_j: J^2 = -I, Jᵀ = -J", "[linalg][hamiltonian]") {
  const dmatrix j = symplectic_j(3);
  CHECK(j.rows() == 6);
  CHECK((j * j + dmatrix::Identity(6, 6)).norm() == 0);
  CHECK((j.transpose() + j).norm() == 0);
  CHECK((j - hamgen_test::j_matrix(3)).norm() == 0);
}

TEST_CASE("hamiltonian_from_w / parameters: Hamiltonian structure and parameter counts",
          "[linalg][hamiltonian]") {
  std::mt19937_64 rng(41);
  for (int d : {1, 2, 5}) {
    const dmatrix w = hamgen_test::random_matrix(2 * d, 3.0, rng);
    const dmatrix h = hamiltonian_from_w(w);
    CHECK(hamiltonian_defect(h) <= 1e-15);
    const dmatrix m = energy_matrix(h);
    CHECK((m - (w + w.transpose()) / 2).norm() <= 1e-15 * m.norm());
    CHECK(hamiltonian_parameter_count(d) == 2 * d * d + d);
    Eigen::VectorXd theta(hamiltonian_parameter_count(d));
    for (Eigen::Index i = 0; i < theta.size(); ++i) theta(i) = 0.1 * i - 1.0;
    const dmatrix hp = hamiltonian_from_parameters(theta, d);
    CHECK(hamiltonian_defect(hp) == 0);
    const dmatrix mp = energy_matrix(hp);
    CHECK(mp(0, 0) == theta(0));
    CHECK(mp(0, 1) == theta(1));
    CHECK(mp(1, 0) == theta(1));
    CHECK(mp(2 * d - 1, 2 * d - 1) == theta(theta.size() - 1));
    // not Hamiltonian: a generic matrix
    CHECK(hamiltonian_defect(w) > 1e-3);
  }
  CHECK_THROWS_AS(hamiltonian_from_parameters(Eigen::VectorXd(5), 2), hamgen::shape_error);
  CHECK_THROWS_WITH(hamiltonian_from_parameters(Eigen::VectorXd(5), 2),
                    Catch::Contains("hamiltonian_from_parameters: 5 parameters given, d = 2 needs 10"));
  CHECK_THROWS_WITH(hamiltonian_from_w(dmatrix::Zero(3, 3)), Catch::Contains("not of even size 2d"));
  dmatrix bad = dmatrix::Zero(2, 2);
  bad(1, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(hamiltonian_from_w(bad), hamgen::value_error);
}

TEST_CASE("skew_hamiltonian: exp is orthogonal and symplectic", "[linalg][hamiltonian]") {
  std::mt19937_64 rng(42);
  for (int d : {1, 2, 6, 12, 24}) {
    for (double nrm : {0.05, 1.0, 10.0}) {
      const dmatrix a = hamgen_test::random_matrix(d, nrm, rng);
      const dmatrix h = skew_hamiltonian(a);
      CHECK((h + h.transpose()).norm() == 0); // skew-symmetric
      CHECK(hamiltonian_defect(h) <= 1e-15);
      const dmatrix e = expm(h);
      INFO("d = " << d << ", norm " << nrm);
      CHECK(orthogonality_defect(e) <= 1e-13);
      CHECK(symplecticity_defect(e) <= 1e-13);
    }
  }
  CHECK(skew_hamiltonian_parameter_count(4) == 10);
  CHECK_THROWS_AS(skew_hamiltonian(dmatrix::Zero(2, 3)), hamgen::shape_error);
}

TEST_CASE("2x2 Hamiltonian matrices: rotation, shear and hyperbolic closed forms", "[linalg][hamiltonian]") {
  Eigen::Matrix2d rot, shear, hyp;
  rot << 0, 2, -0.5, 0;      // det = 1 > 0: frequency 1
  shear << 0, 3, 0, 0;       // det = 0
  hyp << 0.6, 1, 0.64, -0.6; // det = -(0.36 + 0.64) = -1: rate 1
  CHECK(classify_2x2(rot) == hamiltonian_2x2_kind::rotation);
  CHECK(classify_2x2(shear) == hamiltonian_2x2_kind::shear);
  CHECK(classify_2x2(hyp) == hamiltonian_2x2_kind::hyperbolic);
  for (double t : {-2.0, -0.3, 0.0, 0.5, 4.0}) {
    const Eigen::Matrix2d er = expm_hamiltonian_2x2(rot, t);
    Eigen::Matrix2d want = std::cos(t) * Eigen::Matrix2d::Identity() + std::sin(t) * rot;
    CHECK((er - want).norm() <= 1e-15 * 4);
    const Eigen::Matrix2d es = expm_hamiltonian_2x2(shear, t);
    want = Eigen::Matrix2d::Identity() + t * shear;
    CHECK((es - want).norm() == 0);
    const Eigen::Matrix2d eh = expm_hamiltonian_2x2(hyp, t);
    want = std::cosh(t) * Eigen::Matrix2d::Identity() + std::sinh(t) * hyp;
    CHECK((eh - want).norm() <= 1e-14 * want.norm());
    CHECK(std::abs(eh.determinant() - 1) <= 1e-13 * want.squaredNorm()); // symplectic in 2D: det = 1
    const Eigen::Matrix2d ref = (t * hyp).exp();
    CHECK((eh - ref).norm() <= 1e-14 * ref.norm());
  }
}

TEST_CASE("block_hamiltonian: blocks act on their own subspace, forward and backward in time",
          "[linalg][hamiltonian]") {
  std::mt19937_64 rng(43);
  std::vector<dmatrix> ws = {hamgen_test::random_matrix(4, 1.0, rng), hamgen_test::random_matrix(6, 2.0, rng),
                             hamgen_test::random_matrix(2, 0.5, rng)};
  const auto op = block_hamiltonian<double>::from_w(ws);
  REQUIRE(op.actions() == 3);
  REQUIRE(op.dim() == 12);
  CHECK(op.offset(1) == 4);
  CHECK(op.offset(2) == 10);
  const dmatrix dense = op.dense();
  CHECK(hamiltonian_defect(op.block(1)) <= 1e-15);
  const dmatrix s0 = hamgen_test::random_matrix(12, 1.0, rng).leftCols(5);
  for (double t : {0.4, -0.4, 2.0}) {
    const dmatrix got = op.apply(t, s0);
    const dmatrix want = dmatrix((t * dense).exp()) * s0;
    CHECK((got - want).norm() <= 1e-13 * want.norm());
    // backward undoes forward
    CHECK((op.apply(-t, got) - s0).norm() <= 1e-13 * s0.norm());
  }
  // HALO eq. (5): one action moves its subspace, the others are zero
  const dmatrix act = op.apply_action(1, 0.7, s0);
  CHECK(act.topRows(4).norm() == 0);
  CHECK(act.bottomRows(2).norm() == 0);
  const dmatrix blk = dmatrix((0.7 * op.block(1)).exp()) * s0.middleRows(4, 6);
  CHECK((act.middleRows(4, 6) - blk).norm() <= 1e-13 * blk.norm());
  // rollout with one exp(dt H): s_k = exp(k dt H) s_0, and energy is conserved block by block
  const auto traj = op.rollout(s0, 0.25, 8);
  REQUIRE(traj.size() == 9);
  const dmatrix s8 = op.apply(2.0, s0);
  CHECK((traj.back() - s8).norm() <= 1e-13 * s8.norm());
  const auto e0 = op.energies(s0);
  const auto e8 = op.energies(traj.back());
  for (std::size_t i = 0; i < e0.size(); ++i)
    CHECK(std::abs(e8[i].total() - e0[i].total()) <= 1e-12 * (1 + std::abs(e0[i].total())));
  const auto back = op.rollout(traj.back(), -0.25, 8);
  CHECK((back.back() - s0).norm() <= 1e-13 * s0.norm());
  // errors
  CHECK_THROWS_AS(op.apply(0.1, dmatrix::Zero(11, 2)), hamgen::shape_error);
  CHECK_THROWS_WITH(
      op.apply(0.1, dmatrix::Zero(11, 2)),
      Catch::Contains("block_hamiltonian::apply: states have 11 rows, the operator acts on 12"));
  CHECK_THROWS_AS(op.apply_action(3, 0.1, s0), hamgen::shape_error);
  CHECK_THROWS_AS(block_hamiltonian<double>({dmatrix::Zero(3, 3)}), hamgen::shape_error);
  CHECK_THROWS_AS(op.apply(std::numeric_limits<double>::quiet_NaN(), s0), hamgen::value_error);
}

TEST_CASE("energy: HALO split into potential, kinetic and non-separable parts", "[linalg][hamiltonian]") {
  std::mt19937_64 rng(44);
  const int d = 3;
  const dmatrix w = hamgen_test::random_matrix(2 * d, 2.0, rng);
  const dmatrix m = (w + w.transpose()) / 2;
  const dmatrix s = hamgen_test::random_matrix(2 * d, 1.0, rng).leftCols(3);
  const auto e = energy(m, s);
  REQUIRE(e.size() == 3);
  for (Eigen::Index k = 0; k < 3; ++k) {
    const Eigen::VectorXd q = s.col(k).head(d), p = s.col(k).tail(d);
    const auto& ek = e[static_cast<std::size_t>(k)];
    CHECK(std::abs(ek.total() - 0.5 * s.col(k).dot(m * s.col(k))) <= 1e-14);
    CHECK(std::abs(ek.potential - 0.5 * q.dot(m.topLeftCorner(d, d) * q)) <= 1e-14);
    CHECK(std::abs(ek.kinetic - 0.5 * p.dot(m.bottomRightCorner(d, d) * p)) <= 1e-14);
    CHECK(std::abs(ek.nonseparable - q.dot(m.topRightCorner(d, d) * p)) <= 1e-14);
  }
  // separable M (B = 0): no non-separable energy; the flow conserves the total but moves energy between
  // kinetic and potential
  dmatrix sep = m;
  sep.topRightCorner(d, d).setZero();
  sep.bottomLeftCorner(d, d).setZero();
  const auto es = energy(sep, s);
  CHECK(es[0].nonseparable == 0);
  const dmatrix h = symplectic_j(d) * sep;
  const dmatrix s1 = expm(h, 0.8) * s;
  const auto es1 = energy(sep, s1);
  CHECK(std::abs(es1[0].total() - es[0].total()) <= 1e-13 * (1 + std::abs(es[0].total())));
  CHECK(std::abs(es1[0].kinetic - es[0].kinetic) > 1e-6);
  CHECK_THROWS_AS(energy(m, dmatrix::Zero(4, 1)), hamgen::shape_error);
}
