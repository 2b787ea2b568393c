// hamgen/metrics/frechet.hpp
//
// Represents: the Fréchet (2-Wasserstein) distance between two Gaussians, and between two feature sets
//             through their means and covariances (the statistic behind FID and FVD).
// Requires:   feature sets as Eigen matrices with one sample per row (N x D), N > ddof; Gaussians as a
//             mean (length D) and a symmetric positive semi-definite covariance (D x D); all finite.
// Ensures:    d^2 = ||mu_1 - mu_2||^2 + tr(S_1) + tr(S_2) - 2 tr((S_1 S_2)^{1/2})
//             (Dowson & Landau, "The Fréchet distance between multivariate normal distributions", J.
//             Multivariate Anal. 12, 1982; used as FID by Heusel et al., NeurIPS 2017, and as FVD by
//             Unterthiner et al. 2018). The value returned is d^2, as FID/FVD report it.
//             Stable square root: S_1 S_2 is not symmetric, and a general matrix square root of it (scipy's
//             sqrtm, as pytorch-fid/TF-GAN ports use) can return spurious imaginary parts or fail on the
//             singular covariances that N < D samples give. Here tr((S_1 S_2)^{1/2}) is evaluated as
//             tr((S_1^{1/2} S_2 S_1^{1/2})^{1/2}) = sum_i sqrt(lambda_i): S_1 S_2 and the symmetric PSD
//             matrix S_1^{1/2} S_2 S_1^{1/2} are similar (eig(AB) = eig(BA) with A = S_1^{1/2}, B = S_1^{1/2}
//             S_2), so both square roots have the same trace; the symmetric one needs only Eigen's
//             SelfAdjointEigenSolver (backward stable, real). Eigenvalues that are negative only through
//             rounding (at most psd_tolerance times the largest one) are clamped to 0 before the square root,
//             which would otherwise produce NaN; covariances with clearly negative eigenvalues are rejected.
//             Eigenvalues below the numerical-rank floor D * eps * lambda_max also count as 0: sqrt turns a
//             1e-16 rounding residue into 1e-8, which summed over the null space of a singular (N < D)
//             covariance would bias d^2 by about 1e-6 relative.
//             The result is clamped at 0 (rounding can give -1e-16 for identical inputs).
//             feature_statistics uses the unbiased covariance (divisor N - 1, NumPy's np.cov default, as
//             FID/FVD code does) unless ddof says otherwise.
//             Problems raise hamgen::shape_error / value_error naming the metric and the values.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/metrics/detail/check.hpp>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace hamgen::metrics {

/// Mean and covariance of a Gaussian (or of a feature set).
struct gaussian_moments {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
};

/// Settings of feature_statistics.
struct feature_statistics_options {
  int ddof = 1; ///< covariance divisor N - ddof (1: unbiased, as np.cov; 0: maximum likelihood)
};

/// Settings of frechet_distance.
struct frechet_options {
  /// Eigenvalues down to -psd_tolerance * (largest |eigenvalue|) count as rounding and are clamped to 0;
  /// more negative ones make the covariance invalid (value_error). Also bounds the allowed asymmetry.
  double psd_tolerance = 1e-9;
};

namespace detail {

struct psd_eig {
  Eigen::VectorXd values; // clamped at 0
  Eigen::MatrixXd vectors;
};

inline psd_eig checked_psd_eig(const char* metric, const char* name, const Eigen::MatrixXd& s, double tol) {
  const double scale = s.cwiseAbs().maxCoeff();
  const double asym = (s - s.transpose()).cwiseAbs().maxCoeff();
  HAMGEN_CHECK(asym <= tol * std::max(scale, 1e-300) || asym == 0.0, metric, ": covariance ", name,
               " is not symmetric (max |S - S^T| = ", asym, ", max |S| = ", scale, ")");
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (s + s.transpose()));
  check<convergence_error>(es.info() == Eigen::Success, metric, ": eigen-decomposition of covariance ", name,
                           " did not converge");
  const double largest = es.eigenvalues().cwiseAbs().maxCoeff();
  const double smallest = es.eigenvalues().minCoeff();
  HAMGEN_CHECK(smallest >= -tol * largest, metric, ": covariance ", name,
               " is not positive semi-definite (eigenvalue ", smallest, ", largest |eigenvalue| ", largest,
               ", tolerance ", tol, ")");
  // Eigenvalues below the numerical-rank floor n * eps * largest are indistinguishable from 0 (the rule of
  // numpy.linalg.matrix_rank); zeroing them keeps rounding noise out of the null space of S^{1/2}, where
  // sqrt would amplify 1e-16 to 1e-8.
  const double floor = static_cast<double>(s.rows()) * std::numeric_limits<double>::epsilon() * largest;
  return {es.eigenvalues().unaryExpr([floor](double v) { return v <= floor ? 0.0 : v; }), es.eigenvectors()};
}

inline void check_moments(const char* metric, const char* name, const gaussian_moments& g) {
  HAMGEN_CHECK_SHAPE(g.mean.size() > 0, metric, ": mean ", name, " is empty");
  HAMGEN_CHECK_SHAPE(g.covariance.rows() == g.mean.size() && g.covariance.cols() == g.mean.size(), metric,
                     ": covariance ", name, " is ", g.covariance.rows(), "x", g.covariance.cols(),
                     " but mean ", name, " has ", g.mean.size(), " elements");
  const std::string mean_name = std::string("mean ") + name, cov_name = std::string("covariance ") + name;
  check_finite_matrix(metric, mean_name.c_str(), g.mean);
  check_finite_matrix(metric, cov_name.c_str(), g.covariance);
}

/// Checks both matrices are symmetric PSD (up to tol) and returns sum_i sqrt(lambda_i(S1^1/2 S2 S1^1/2)).
inline double trace_sqrt_product_checked(const char* metric, const Eigen::MatrixXd& s1,
                                         const Eigen::MatrixXd& s2, double tol) {
  const auto e1 = checked_psd_eig(metric, "a", s1, tol);
  (void)checked_psd_eig(metric, "b", s2, tol);
  const Eigen::MatrixXd r1 = e1.vectors * e1.values.cwiseSqrt().asDiagonal() * e1.vectors.transpose();
  Eigen::MatrixXd m = r1 * s2 * r1;
  m = (0.5 * (m + m.transpose())).eval();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m, Eigen::EigenvaluesOnly);
  check<convergence_error>(es.info() == Eigen::Success, metric,
                           ": eigen-decomposition of S1^1/2 S2 S1^1/2 did not converge");
  // M is PSD in exact arithmetic: eigenvalues below the numerical-rank floor (negative ones included) are
  // rounding and count as 0.
  const double largest = es.eigenvalues().cwiseAbs().maxCoeff();
  const double floor = static_cast<double>(m.rows()) * std::numeric_limits<double>::epsilon() * largest;
  double sum = 0.0;
  for (Eigen::Index i = 0; i < es.eigenvalues().size(); ++i)
    if (es.eigenvalues()[i] > floor) sum += std::sqrt(es.eigenvalues()[i]);
  return sum;
}

} // namespace detail

/// Symmetric PSD square root S^{1/2} = V diag(sqrt(max(lambda, 0))) V^T of a symmetric PSD matrix.
inline Eigen::MatrixXd psd_sqrt(const Eigen::MatrixXd& s, const frechet_options& options = {}) {
  HAMGEN_CHECK_SHAPE(s.rows() == s.cols() && s.rows() > 0, "psd_sqrt: matrix is ", s.rows(), "x", s.cols(),
                     ", not square and non-empty");
  detail::check_finite_matrix("psd_sqrt", "matrix", s);
  const auto e = detail::checked_psd_eig("psd_sqrt", "matrix", s, options.psd_tolerance);
  return e.vectors * e.values.cwiseSqrt().asDiagonal() * e.vectors.transpose();
}

/// Mean (length D) and covariance (D x D, divisor N - ddof) of N samples in the rows of `features`.
template <class D>
gaussian_moments feature_statistics(const Eigen::DenseBase<D>& features,
                                    const feature_statistics_options& options = {}) {
  HAMGEN_CHECK(options.ddof >= 0, "feature_statistics: ddof must be >= 0, got ", options.ddof);
  HAMGEN_CHECK_SHAPE(features.cols() > 0 && features.rows() > options.ddof,
                     "feature_statistics: ", features.rows(), " samples of dimension ", features.cols(),
                     " are too few (need more than ", options.ddof, " samples and at least one dimension)");
  detail::check_finite_matrix("feature_statistics", "features", features);
  const Eigen::MatrixXd x = features.derived().template cast<double>();
  gaussian_moments g;
  g.mean = x.colwise().mean().transpose();
  const Eigen::MatrixXd centred = x.rowwise() - g.mean.transpose();
  g.covariance = (centred.transpose() * centred) / static_cast<double>(x.rows() - options.ddof);
  return g;
}

/// tr((S_1 S_2)^{1/2}) via the symmetric form tr((S_1^{1/2} S_2 S_1^{1/2})^{1/2}).
inline double trace_sqrt_product(const Eigen::MatrixXd& s1, const Eigen::MatrixXd& s2,
                                 const frechet_options& options = {}) {
  HAMGEN_CHECK_SHAPE(
      s1.rows() == s1.cols() && s2.rows() == s2.cols() && s1.rows() == s2.rows() && s1.rows() > 0,
      "trace_sqrt_product: matrices are ", s1.rows(), "x", s1.cols(), " and ", s2.rows(), "x", s2.cols());
  detail::check_finite_matrix("trace_sqrt_product", "a", s1);
  detail::check_finite_matrix("trace_sqrt_product", "b", s2);
  return detail::trace_sqrt_product_checked("trace_sqrt_product", s1, s2, options.psd_tolerance);
}

/// Squared Fréchet distance between N(mu_1, S_1) and N(mu_2, S_2) (closed form for Gaussians).
inline double frechet_distance(const gaussian_moments& a, const gaussian_moments& b,
                               const frechet_options& options = {}) {
  HAMGEN_CHECK(std::isfinite(options.psd_tolerance) && options.psd_tolerance >= 0.0,
               "frechet_distance: psd_tolerance must be finite and >= 0, got ", options.psd_tolerance);
  detail::check_moments("frechet_distance", "a", a);
  detail::check_moments("frechet_distance", "b", b);
  HAMGEN_CHECK_SHAPE(a.mean.size() == b.mean.size(), "frechet_distance: dimensions differ: a has ",
                     a.mean.size(), ", b has ", b.mean.size());
  const double tr_sqrt = detail::trace_sqrt_product_checked("frechet_distance", a.covariance, b.covariance,
                                                            options.psd_tolerance);
  const double d =
      (a.mean - b.mean).squaredNorm() + a.covariance.trace() + b.covariance.trace() - 2.0 * tr_sqrt;
  return std::max(d, 0.0);
}

/// Squared Fréchet distance between two feature sets (rows = samples, same number of columns).
template <class A, class B>
double frechet_distance(const Eigen::DenseBase<A>& features_a, const Eigen::DenseBase<B>& features_b,
                        const frechet_options& options = {}, const feature_statistics_options& stats = {}) {
  HAMGEN_CHECK_SHAPE(features_a.cols() == features_b.cols(),
                     "frechet_distance: feature dimensions differ: a is ", features_a.rows(), "x",
                     features_a.cols(), ", b is ", features_b.rows(), "x", features_b.cols());
  return frechet_distance(feature_statistics(features_a, stats), feature_statistics(features_b, stats),
                          options);
}

} // namespace hamgen::metrics
