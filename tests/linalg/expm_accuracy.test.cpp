// Tests of hamgen/linalg/expm.hpp, part 2 (split from expm.test.cpp to keep each TU's compile time low):
// accuracy against Eigen's MatrixFunctions .exp() and the long double reference, float vs double, batches.
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
constexpr expm_options pade_opt{.method = expm_method::pade, .closed_form_2x2 = false};
} // namespace

TEST_CASE("expm: agrees with Eigen's MatrixFunctions on general matrices (fixed and dynamic sizes)",
          "[linalg][expm]") {
  std::mt19937_64 rng(11);
  for (int n : {3, 5, 8, 17}) {
    for (double nrm : {0.01, 0.4, 2.0, 9.0}) {
      const dmatrix a = hamgen_test::random_matrix(n, nrm, rng);
      const dmatrix ref = a.exp();
      CHECK((expm(a) - ref).norm() <= 1e-13 * ref.norm());
      CHECK((expm(a, pade_opt) - ref).norm() <= 1e-13 * ref.norm());
    }
  }
  // fixed sizes keep their type and agree with the dynamic path (checked against Eigen above)
  Eigen::Matrix<double, 4, 4> f = Eigen::Matrix<double, 4, 4>::Random();
  const Eigen::Matrix<double, 4, 4> ef = expm(f);
  const dmatrix rf = dmatrix(f).exp();
  CHECK((ef - rf).norm() <= 1e-13 * rf.norm());
  Eigen::Matrix<float, 3, 3> g = Eigen::Matrix<float, 3, 3>::Random();
  const Eigen::Matrix<float, 3, 3> eg = expm(g);
  const dmatrix rg = dmatrix(g.cast<double>()).exp();
  CHECK((eg.cast<double>() - rg).norm() <= 1e-5 * rg.norm());
}

TEST_CASE("expm: accuracy on random Hamiltonian matrices is within 2x of Eigen's (long double reference)",
          "[linalg][expm][accuracy]") {
  std::mt19937_64 rng(2024);
  for (int d : {1, 2, 6, 12, 24, 72}) {
    for (double nrm : {0.05, 1.0, 10.0, 100.0}) {
      const int samples = d >= 72 ? 1 : d >= 24 ? 2 : d >= 12 ? 6 : 12;
      double ours = 0, ours_pade = 0, eig = 0, worst = 0;
      for (int k = 0; k < samples; ++k) {
        const dmatrix h = hamgen_test::random_hamiltonian(d, nrm, rng);
        const auto ref = hamgen_test::expm_reference(h);
        const double e_h = hamgen_test::rel_error(expm(h), ref);
        const double e_e = hamgen_test::rel_error(dmatrix(h.exp()), ref);
        ours += e_h / samples;
        ours_pade += hamgen_test::rel_error(expm(h, pade_opt), ref) / samples;
        eig += e_e / samples;
        worst = std::max(worst, e_h);
      }
      INFO("d = " << d << ", ||H||_1 = " << nrm << ": hamgen " << ours << " (worst " << worst << "), pade "
                  << ours_pade << ", eigen " << eig);
      CHECK(ours <= 2 * eig);
      CHECK(ours_pade <= 4 * eig);
      CHECK(worst <= 1e-13 * std::max(1.0, nrm));
    }
  }
}

TEST_CASE("expm: float within 1e-5 relative of double for ||H||_1 <= 10", "[linalg][expm]") {
  std::mt19937_64 rng(21);
  for (int d : {1, 2, 6, 12, 24}) {
    for (double nrm : {0.05, 1.0, 10.0}) {
      const dmatrix h = hamgen_test::random_hamiltonian(d, nrm, rng);
      const Eigen::MatrixXf hf = h.cast<float>();
      const dmatrix hd = hf.cast<double>(); // the same matrix in both precisions
      const dmatrix ed = expm(hd);
      const Eigen::MatrixXf ef = expm(hf);
      INFO("d = " << d << ", norm " << nrm);
      CHECK((ef.cast<double>() - ed).norm() <= 1e-5 * ed.norm());
      const Eigen::MatrixXf pf = expm(hf, pade_opt);
      CHECK((pf.cast<double>() - ed).norm() <= 1e-5 * ed.norm());
    }
  }
}

TEST_CASE("expm_batch: contiguous batches equal one-by-one results in either layout", "[linalg][expm]") {
  std::mt19937_64 rng(8);
  for (int d : {1, 2, 6, 12}) {
    const Eigen::Index n = 2 * d;
    const std::size_t count = 7;
    std::vector<double> col(count * n * n), row(count * n * n), out(count * n * n);
    std::vector<dmatrix> hs;
    for (std::size_t k = 0; k < count; ++k) {
      hs.push_back(hamgen_test::random_hamiltonian(d, 0.5 + 2.0 * k, rng));
      Eigen::Map<dmatrix>(col.data() + k * n * n, n, n) = hs.back();
      Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          row.data() + k * n * n, n, n) = hs.back();
    }
    expm_batch(col.data(), out.data(), count, n);
    for (std::size_t k = 0; k < count; ++k) {
      const dmatrix want = expm(hs[k]);
      CHECK((Eigen::Map<dmatrix>(out.data() + k * n * n, n, n) - want).norm() <= 1e-14 * want.norm());
    }
    expm_batch(row.data(), row.data(), count, n); // in place, row-major
    for (std::size_t k = 0; k < count; ++k) {
      const dmatrix want = expm(hs[k]);
      const dmatrix got = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          row.data() + k * n * n, n, n);
      CHECK((got - want).norm() <= 1e-14 * want.norm());
    }
    const auto vec = expm_batch(hs);
    REQUIRE(vec.size() == count);
    for (std::size_t k = 0; k < count; ++k) CHECK((vec[k] - expm(hs[k])).norm() <= 1e-14 * vec[k].norm());
    std::vector<float> f(col.begin(), col.end()), fo(f.size());
    expm_batch(f.data(), fo.data(), count, n); // float batch against the double results
    for (std::size_t k = 0; k < count; ++k) {
      const dmatrix want = expm(hs[k]);
      const dmatrix got = Eigen::Map<Eigen::MatrixXf>(fo.data() + k * n * n, n, n).cast<double>();
      CHECK((got - want).norm() <= 1e-5 * want.norm());
    }
    std::vector<double> pade_out(count * n * n);
    expm_batch(col.data(), pade_out.data(), count, n, {.method = expm_method::pade});
    for (std::size_t k = 0; k < count; ++k) {
      const dmatrix want = expm(hs[k]);
      CHECK((Eigen::Map<dmatrix>(pade_out.data() + k * n * n, n, n) - want).norm() <= 1e-13 * want.norm());
    }
  }
}
