// Tests of hamgen/linalg/frechet.hpp: L(A, E) and its adjoint against central finite differences of
// expm, against the block-triangular formula, and the adjoint identity <G, L(A,E)> = <L(Aᵀ,G), E>.
#include <hamgen/linalg/frechet.hpp>
#include <hamgen/linalg/hamiltonian_matrix.hpp>

#include "reference.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

using namespace hamgen::linalg;
using hamgen_test::dmatrix;

namespace {
// central difference of expm along E, with steps h and h/2 combined (Richardson) to push the
// truncation error to O(h^4)
dmatrix fd_frechet(const dmatrix& a, const dmatrix& e) {
  const double h = 1e-3 / std::max(1.0, hamgen_test::norm1(a));
  auto cd = [&](double s) {
    return dmatrix((expm(dmatrix(a + s * e)) - expm(dmatrix(a - s * e))) / (2 * s));
  };
  return (4 * cd(h / 2) - cd(h)) / 3;
}
} // namespace

TEST_CASE("expm_frechet: L(A, E) matches central finite differences to 1e-7", "[linalg][frechet]") {
  std::mt19937_64 rng(31);
  for (int d : {1, 2, 3, 6}) {
    for (double nrm : {0.05, 1.0, 10.0}) {
      const dmatrix a = hamgen_test::random_hamiltonian(d, nrm, rng);
      dmatrix e = hamgen_test::random_matrix(2 * d, 1.0, rng);
      const dmatrix fd = fd_frechet(a, e);
      const auto r = expm_frechet(a, e);
      INFO("d = " << d << ", norm " << nrm);
      CHECK((r.derivative - fd).norm() <= 1e-7 * fd.norm());
      CHECK((r.exp - expm(a)).norm() <= 1e-14 * r.exp.norm());
      const auto rb = expm_frechet(a, e, {.method = frechet_method::block});
      CHECK((rb.derivative - r.derivative).norm() <= 1e-12 * fd.norm());
    }
  }
  // general (non-Hamiltonian) matrices, every Taylor degree
  for (double c : {1e-10, 1e-5, 1e-3, 0.03, 0.25, 0.9, 3.0}) {
    const dmatrix a = hamgen_test::random_matrix(5, c, rng);
    const dmatrix e = hamgen_test::random_matrix(5, 1.0, rng);
    const dmatrix fd = fd_frechet(a, e);
    CHECK((expm_frechet(a, e).derivative - fd).norm() <= 1e-7 * fd.norm());
  }
}

TEST_CASE("expm_frechet_adjoint: gradient of <G, exp(A)> and the adjoint identity", "[linalg][frechet]") {
  std::mt19937_64 rng(32);
  for (int d : {1, 2, 6}) {
    for (double nrm : {0.05, 1.0, 10.0}) {
      const Eigen::Index n = 2 * d;
      const dmatrix a = hamgen_test::random_hamiltonian(d, nrm, rng);
      const dmatrix g = hamgen_test::random_matrix(n, 1.0, rng);
      const auto adj = expm_frechet_adjoint(a, g);
      CHECK((adj.exp - expm(a)).norm() <= 1e-14 * adj.exp.norm());
      // finite-difference gradient of f(A) = <G, exp(A)>, entry by entry
      dmatrix grad_fd(n, n);
      for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < n; ++i) {
          dmatrix e = dmatrix::Zero(n, n);
          e(i, j) = 1;
          grad_fd(i, j) = (g.cwiseProduct(fd_frechet(a, e))).sum();
        }
      INFO("d = " << d << ", norm " << nrm);
      CHECK((adj.derivative - grad_fd).norm() <= 1e-7 * grad_fd.norm());
      // <G, L(A, E)> = <L(Aᵀ, G), E>
      const dmatrix e = hamgen_test::random_matrix(n, 1.0, rng);
      const double lhs = g.cwiseProduct(expm_frechet(a, e).derivative).sum();
      const double rhs = adj.derivative.cwiseProduct(e).sum();
      CHECK(std::abs(lhs - rhs) <= 1e-12 * (std::abs(lhs) + adj.derivative.norm() * e.norm()));
    }
  }
}

TEST_CASE("expm_frechet_adjoint_batch: contiguous batches, gradient with respect to W of J sym(W)",
          "[linalg][frechet]") {
  std::mt19937_64 rng(33);
  const int d = 3;
  const Eigen::Index n = 2 * d;
  const std::size_t count = 4;
  using rmatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<double> hs(count * n * n), gs(count * n * n), grad(count * n * n), ex(count * n * n);
  std::vector<dmatrix> ws, gm;
  for (std::size_t k = 0; k < count; ++k) {
    ws.push_back(hamgen_test::random_matrix(n, 1.0 + k, rng));
    gm.push_back(hamgen_test::random_matrix(n, 1.0, rng));
    Eigen::Map<rmatrix>(hs.data() + k * n * n, n, n) = hamiltonian_from_w(ws.back());
    Eigen::Map<rmatrix>(gs.data() + k * n * n, n, n) = gm.back();
  }
  expm_frechet_adjoint_batch(hs.data(), gs.data(), grad.data(), count, n, ex.data()); // row-major data
  for (std::size_t k = 0; k < count; ++k) {
    const dmatrix h = hamiltonian_from_w(ws[k]);
    const auto want = expm_frechet_adjoint(h, gm[k]);
    CHECK((dmatrix(Eigen::Map<rmatrix>(grad.data() + k * n * n, n, n)) - want.derivative).norm() <=
          1e-13 * want.derivative.norm());
    CHECK((dmatrix(Eigen::Map<rmatrix>(ex.data() + k * n * n, n, n)) - want.exp).norm() <=
          1e-13 * want.exp.norm());
    // chain rule through H = J sym(W): dF/dW = sym(Jᵀ dF/dH); check one entry by finite differences
    const dmatrix gw = hamiltonian_from_w_backward(want.derivative);
    dmatrix dw = dmatrix::Zero(n, n);
    dw(1, 4) = 1;
    const double hstep = 1e-5;
    const double fp = gm[k].cwiseProduct(expm(hamiltonian_from_w(dmatrix(ws[k] + hstep * dw)))).sum();
    const double fm = gm[k].cwiseProduct(expm(hamiltonian_from_w(dmatrix(ws[k] - hstep * dw)))).sum();
    CHECK(std::abs((fp - fm) / (2 * hstep) - gw(1, 4)) <= 1e-7 * gw.norm());
  }
}

TEST_CASE("expm_frechet: float agrees with double", "[linalg][frechet]") {
  std::mt19937_64 rng(34);
  const dmatrix a = hamgen_test::random_hamiltonian(4, 2.0, rng);
  const dmatrix e = hamgen_test::random_matrix(8, 1.0, rng);
  const auto rd = expm_frechet(a, e);
  const auto rf = expm_frechet(Eigen::MatrixXf(a.cast<float>()), Eigen::MatrixXf(e.cast<float>()));
  CHECK((rf.derivative.cast<double>() - rd.derivative).norm() <= 1e-5 * rd.derivative.norm());
}

TEST_CASE("expm_frechet: bad input", "[linalg][frechet][errors]") {
  CHECK_THROWS_AS(expm_frechet(dmatrix::Zero(3, 3), dmatrix::Zero(4, 4)), hamgen::shape_error);
  CHECK_THROWS_WITH(expm_frechet(dmatrix::Zero(3, 3), dmatrix::Zero(4, 4)),
                    Catch::Contains("expm_frechet: A is 3x3 but the direction is 4x4"));
  CHECK_THROWS_WITH(expm_frechet_adjoint(dmatrix::Zero(3, 2), dmatrix::Zero(3, 2)),
                    Catch::Contains("expm_frechet_adjoint: matrix is 3x2, not square"));
  dmatrix g = dmatrix::Zero(2, 2);
  g(0, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(expm_frechet_adjoint(dmatrix::Zero(2, 2), g), hamgen::value_error);
}
