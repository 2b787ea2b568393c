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

// The accuracy claim of docs/matrix_exponential.md: on every (kind, d, norm) cell the mean relative
// Frobenius error of hamgen's default expm, measured against a long double reference, is at most Eigen's
// (factor 1, no tolerance), in double and in float (the float inputs are the double ones rounded to float,
// and both libraries are compared with the same long double exponential of the rounded matrix).
// Single matrices are not compared one by one: at ||H||_1 = 100 Eigen's error on an individual matrix can
// be far below its average (we saw hamgen/Eigen ratios up to ~40 on single 4x4 matrices), the means are
// 2-7x below Eigen's. For n <= 4 one outlier can decide a mean of 12 (float, general 4x4, ||A||_1 = 10:
// 12 samples gave 1.06x Eigen, 200 samples 0.61x), hence 48 samples there (cheap at that size). Where no
// squaring is needed (||H||_1 <= 1) hamgen's error is also checked against the error of merely rounding the
// exact result to double (the best any double algorithm can do): within 1.5x of it for d >= 6, 2.5x for the
// 2x2 and 4x4 cases (measured 1.5-1.9x there).
TEST_CASE("expm: at least as accurate as Eigen on random Hamiltonian and general matrices, double and float",
          "[linalg][expm][accuracy]") {
  for (const bool hamiltonian : {true, false}) {
    std::mt19937_64 rng(hamiltonian ? 2024 : 77);
    for (int d : {1, 2, 6, 12, 24, 72}) {
      if (!hamiltonian && d == 1) continue; // general 2x2: closed form, not part of the claim
      for (double nrm : {0.05, 1.0, 10.0, 100.0}) {
        const int samples = d >= 72 ? 1 : d >= 24 ? 3 : d >= 12 ? 6 : d >= 6 ? 12 : 48;
        double ours = 0, ours_pade = 0, eig = 0, ours_f = 0, eig_f = 0, floor = 0, worst = 0;
        for (int k = 0; k < samples; ++k) {
          const Eigen::MatrixXf hf = (hamiltonian ? hamgen_test::random_hamiltonian(d, nrm, rng)
                                                  : hamgen_test::random_matrix(2 * d, nrm, rng))
                                         .cast<float>();
          const dmatrix h = hf.cast<double>();
          const auto ref = hamgen_test::expm_reference(h);
          const double e_h = hamgen_test::rel_error(expm(h), ref);
          ours += e_h / samples;
          worst = std::max(worst, e_h);
          eig += hamgen_test::rel_error(dmatrix(h.exp()), ref) / samples;
          ours_pade += hamgen_test::rel_error(expm(h, pade_opt), ref) / samples;
          ours_f += hamgen_test::rel_error(expm(hf), ref) / samples;
          eig_f += hamgen_test::rel_error(Eigen::MatrixXf(hf.exp()), ref) / samples;
          floor += hamgen_test::rel_error(dmatrix(ref.cast<double>()), ref) / samples;
        }
        INFO((hamiltonian ? "Hamiltonian" : "general")
             << " d = " << d << ", ||H||_1 = " << nrm << ": hamgen " << ours << " (worst " << worst
             << "), eigen " << eig << ", pade " << ours_pade << ", rounding floor " << floor
             << "; float: hamgen " << ours_f << ", eigen " << eig_f);
        CHECK(ours <= eig);
        CHECK(ours_f <= eig_f);
        CHECK(ours_pade <= 4 * eig);
        CHECK(worst <= 1e-13 * std::max(1.0, nrm));
        if (nrm <= 1.0) CHECK(ours <= (d >= 6 ? 1.5 : 2.5) * floor); // n <= 4: fewer terms to average
      }
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

// Contracting and expanding exponentials, A = R + cI with R Gaussian (||R||_1 = 1 or 10) and c = -60 ... 20:
// the E = X - I squarings must hand over to plain squarings when X shrinks (docs/matrix_exponential.md;
// without the switch a 4x4 matrix with exp(A) ~ 1e-6 came out with error 2e-11). Mean error over 40
// matrices per cell against the long double reference: at most Eigen's for n >= 12. For n = 4 hamgen is
// NOT always as accurate as Eigen here: measured 1.05x (c = -5, ||R||_1 = 1), 1.21x (c = -5, 10) and
// 1.11x (c = -20, 10) Eigen's mean on this seed, below Eigen's in the other cells, hence a factor 1.25
// at n = 4 (a known gap, docs/matrix_exponential.md).
TEST_CASE("expm: shifted matrices A + cI (contracting and expanding) are as accurate as Eigen",
          "[linalg][expm][accuracy]") {
  for (int n : {4, 12, 24}) {
    for (double shift : {-5.0, -20.0, 20.0, -60.0}) {
      for (double nrm : {1.0, 10.0}) {
        std::mt19937_64 rng(static_cast<unsigned>(n * 7 + static_cast<int>(shift)));
        const int samples = 40;
        double ours = 0, eig = 0;
        for (int k = 0; k < samples; ++k) {
          dmatrix a = hamgen_test::random_matrix(n, nrm, rng);
          a.diagonal().array() += shift;
          const auto ref = hamgen_test::expm_reference(a);
          ours += hamgen_test::rel_error(expm(a), ref) / samples;
          eig += hamgen_test::rel_error(dmatrix(a.exp()), ref) / samples;
        }
        INFO("n = " << n << ", c = " << shift << ", ||R||_1 = " << nrm << ": hamgen " << ours << ", eigen "
                    << eig);
        CHECK(ours <= (n >= 12 ? 1.0 : 1.25) * eig);
        CHECK(ours <= 1e-13);
      }
    }
  }
}
