// hamgen/metrics/inception.hpp
//
// Represents: the inception-score family computed from a classifier's class probabilities p(y|x):
//             the inception score IS, the conditional entropy H(y|x) and the marginal entropy H(y).
// Requires:   an Eigen matrix N x K (one sample per row, one class per column) of finite, non-negative
//             probabilities whose rows sum to 1 within `tolerance` (softmax outputs in float are fine).
// Ensures:    with the marginal p(y) = (1/N) sum_x p(y|x) and natural logarithms (nats), 0 log 0 = 0:
//               IS     = exp( (1/N) sum_x KL(p(y|x) || p(y)) )
//                        (Salimans et al., "Improved techniques for training GANs", NeurIPS 2016),
//               H(y|x) = (1/N) sum_x -sum_y p(y|x) log p(y|x)   (low: confident, recognisable samples),
//               H(y)   = -sum_y p(y) log p(y)                    (high: diverse samples),
//             so that log IS = H(y) - H(y|x); HALO (Khan & Storkey) reports all three for its generated
//             sequences. 1 <= IS <= K. The split variant follows the original implementation: rows
//             [i N / S, (i+1) N / S) (integer division) form split i, IS is computed per split, and the
//             mean and the population standard deviation over the S splits are returned (S = 10 there).
//             Invalid input raises hamgen::shape_error (empty, bad split count) or hamgen::value_error
//             (NaN/Inf, negative entry, row not summing to 1), naming the metric, the row and the value.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/metrics/detail/check.hpp>

#include <Eigen/Core>

#include <cmath>

namespace hamgen::metrics {

/// Validation settings for probability matrices.
struct probability_options {
  double tolerance = 1e-4; ///< allowed |sum_y p(y|x) - 1| per row
};

/// IS, H(y|x) and H(y) of one probability matrix.
struct inception_statistics {
  double inception_score = 0.0;
  double conditional_entropy = 0.0; ///< H(y|x), nats
  double marginal_entropy = 0.0;    ///< H(y), nats
};

/// Inception score over S splits: mean, population standard deviation and every split's score.
struct inception_split_score {
  double mean = 0.0;
  double std = 0.0;
  Eigen::VectorXd per_split;
};

namespace detail {

template <class D>
Eigen::MatrixXd checked_probabilities(const char* metric, const Eigen::DenseBase<D>& p,
                                      const probability_options& o) {
  HAMGEN_CHECK(std::isfinite(o.tolerance) && o.tolerance >= 0.0, metric,
               ": tolerance must be finite and >= 0, got ", o.tolerance);
  HAMGEN_CHECK_SHAPE(p.rows() > 0 && p.cols() > 0, metric, ": probabilities are empty (", p.rows(), "x",
                     p.cols(), ")");
  check_finite_matrix(metric, "p", p);
  Eigen::MatrixXd q = p.derived().template cast<double>();
  for (Eigen::Index i = 0; i < q.rows(); ++i) {
    double sum = 0.0;
    for (Eigen::Index k = 0; k < q.cols(); ++k) {
      HAMGEN_CHECK(q(i, k) >= 0.0, metric, ": p(", i, ", ", k, ") = ", q(i, k), " is negative");
      sum += q(i, k);
    }
    HAMGEN_CHECK(std::abs(sum - 1.0) <= o.tolerance, metric, ": row ", i, " sums to ", sum,
                 ", not 1 (tolerance ", o.tolerance, ")");
  }
  return q;
}

inline double xlogx_sum(const Eigen::Ref<const Eigen::VectorXd>& v) {
  double s = 0.0;
  for (Eigen::Index k = 0; k < v.size(); ++k)
    if (v[k] > 0.0) s += v[k] * std::log(v[k]);
  return s;
}

/// Statistics of rows [begin, end) of an already validated matrix.
inline inception_statistics inception_rows(const Eigen::MatrixXd& p, Eigen::Index begin, Eigen::Index end) {
  const auto rows = p.middleRows(begin, end - begin);
  const Eigen::VectorXd marginal = rows.colwise().mean().transpose();
  double kl = 0.0, h_cond = 0.0;
  for (Eigen::Index i = 0; i < rows.rows(); ++i)
    for (Eigen::Index k = 0; k < rows.cols(); ++k) {
      const double v = rows(i, k);
      if (v > 0.0) { // then marginal[k] >= v / n > 0
        kl += v * (std::log(v) - std::log(marginal[k]));
        h_cond -= v * std::log(v);
      }
    }
  const auto n = static_cast<double>(rows.rows());
  inception_statistics s;
  s.inception_score = std::exp(kl / n);
  s.conditional_entropy = h_cond / n;
  s.marginal_entropy = -xlogx_sum(marginal);
  return s;
}

} // namespace detail

/// IS, H(y|x) and H(y) together (one pass of validation).
template <class D>
inception_statistics inception_family(const Eigen::DenseBase<D>& probabilities,
                                      const probability_options& options = {}) {
  const Eigen::MatrixXd p = detail::checked_probabilities("inception_family", probabilities, options);
  return detail::inception_rows(p, 0, p.rows());
}

/// IS = exp(E_x KL(p(y|x) || p(y))).
template <class D>
double inception_score(const Eigen::DenseBase<D>& probabilities, const probability_options& options = {}) {
  const Eigen::MatrixXd p = detail::checked_probabilities("inception_score", probabilities, options);
  return detail::inception_rows(p, 0, p.rows()).inception_score;
}

/// H(y|x) = E_x[-sum_y p(y|x) log p(y|x)], nats.
template <class D>
double conditional_entropy(const Eigen::DenseBase<D>& probabilities,
                           const probability_options& options = {}) {
  const Eigen::MatrixXd p = detail::checked_probabilities("conditional_entropy", probabilities, options);
  return detail::inception_rows(p, 0, p.rows()).conditional_entropy;
}

/// H(y) = -sum_y p(y) log p(y) of the marginal p(y) = E_x p(y|x), nats.
template <class D>
double marginal_entropy(const Eigen::DenseBase<D>& probabilities, const probability_options& options = {}) {
  const Eigen::MatrixXd p = detail::checked_probabilities("marginal_entropy", probabilities, options);
  return -detail::xlogx_sum(p.colwise().mean().transpose());
}

/// IS over `splits` contiguous splits (rows [i N / S, (i+1) N / S)): mean and population std.
template <class D>
inception_split_score inception_score_splits(const Eigen::DenseBase<D>& probabilities, int splits = 10,
                                             const probability_options& options = {}) {
  const Eigen::MatrixXd p = detail::checked_probabilities("inception_score_splits", probabilities, options);
  HAMGEN_CHECK_SHAPE(splits >= 1 && splits <= p.rows(), "inception_score_splits: ", splits,
                     " splits need between 1 and N = ", p.rows(), " (every split must hold a sample)");
  inception_split_score out;
  out.per_split.resize(splits);
  const Eigen::Index n = p.rows();
  for (int i = 0; i < splits; ++i)
    out.per_split[i] = detail::inception_rows(p, i * n / splits, (i + 1) * n / splits).inception_score;
  out.mean = out.per_split.mean();
  out.std = std::sqrt((out.per_split.array() - out.mean).square().mean());
  return out;
}

} // namespace hamgen::metrics
