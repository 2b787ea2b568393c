// hamgen/metrics/classifier.hpp
//
// Represents: helpers to score a pretrained classifier on generated samples, as HALO's evaluation does
//             (accuracy of the predicted action / content labels, Khan & Storkey, Table 2): arg-max labels
//             from scores, accuracy and the confusion matrix.
// Requires:   labels as Eigen integer vectors (row or column; e.g. Eigen::VectorXi, or an Eigen::Map over a
//             std::vector<int>); scores/probabilities as an Eigen matrix N x K (row = sample); all finite.
// Ensures:    predicted_labels(s)_i = argmax_k s(i, k) (the lowest k on ties, as numpy.argmax);
//             accuracy = (1/N) #{i : predicted_i == truth_i};
//             confusion_matrix(predicted, truth, K)(t, p) = #{i : truth_i == t and predicted_i == p}
//             (rows = true class, columns = predicted class, the scikit-learn convention), so its trace / N
//             is the accuracy and its row sums are the class counts. Empty inputs and length mismatches raise
//             hamgen::shape_error; labels outside [0, K), K < 1 and non-finite scores raise
//             hamgen::value_error, naming the function, the index and the value.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/metrics/detail/check.hpp>

#include <Eigen/Core>

#include <concepts>

namespace hamgen::metrics {

/// An Eigen object of integer labels (its vector shape is checked at run time).
template <class D>
concept label_vector = std::integral<typename D::Scalar>;

namespace detail {

template <class P, class T>
void check_label_pair(const char* metric, const Eigen::DenseBase<P>& predicted,
                      const Eigen::DenseBase<T>& truth) {
  HAMGEN_CHECK_SHAPE(predicted.rows() == 1 || predicted.cols() == 1, metric,
                     ": predicted labels must be a vector, got ", predicted.rows(), "x", predicted.cols());
  HAMGEN_CHECK_SHAPE(truth.rows() == 1 || truth.cols() == 1, metric, ": true labels must be a vector, got ",
                     truth.rows(), "x", truth.cols());
  HAMGEN_CHECK_SHAPE(predicted.size() > 0, metric, ": no labels given");
  HAMGEN_CHECK_SHAPE(predicted.size() == truth.size(), metric, ": ", predicted.size(),
                     " predicted labels but ", truth.size(), " true labels");
}

} // namespace detail

/// Arg-max class of every row of an N x K score (logit or probability) matrix.
template <class D>
Eigen::VectorXi predicted_labels(const Eigen::DenseBase<D>& scores) {
  HAMGEN_CHECK_SHAPE(scores.rows() > 0 && scores.cols() > 0, "predicted_labels: scores are empty (",
                     scores.rows(), "x", scores.cols(), ")");
  detail::check_finite_matrix("predicted_labels", "scores", scores);
  Eigen::VectorXi labels(scores.rows());
  for (Eigen::Index i = 0; i < scores.rows(); ++i) {
    Eigen::Index best = 0;
    for (Eigen::Index k = 1; k < scores.cols(); ++k)
      if (scores(i, k) > scores(i, best)) best = k;
    labels[i] = static_cast<int>(best);
  }
  return labels;
}

/// Fraction of samples whose predicted label equals the true label.
template <label_vector P, label_vector T>
double accuracy(const Eigen::DenseBase<P>& predicted, const Eigen::DenseBase<T>& truth) {
  detail::check_label_pair("accuracy", predicted, truth);
  Eigen::Index hits = 0;
  for (Eigen::Index i = 0; i < predicted.size(); ++i)
    if (static_cast<long long>(predicted(i)) == static_cast<long long>(truth(i))) ++hits;
  return static_cast<double>(hits) / static_cast<double>(predicted.size());
}

/// K x K counts: entry (t, p) = number of samples of true class t predicted as p.
template <label_vector P, label_vector T>
Eigen::MatrixXi confusion_matrix(const Eigen::DenseBase<P>& predicted, const Eigen::DenseBase<T>& truth,
                                 int num_classes) {
  HAMGEN_CHECK(num_classes >= 1, "confusion_matrix: num_classes must be >= 1, got ", num_classes);
  detail::check_label_pair("confusion_matrix", predicted, truth);
  Eigen::MatrixXi c = Eigen::MatrixXi::Zero(num_classes, num_classes);
  for (Eigen::Index i = 0; i < predicted.size(); ++i) {
    const auto p = static_cast<long long>(predicted(i));
    const auto t = static_cast<long long>(truth(i));
    HAMGEN_CHECK(p >= 0 && p < num_classes, "confusion_matrix: predicted label ", i, " is ", p,
                 ", outside [0, ", num_classes, ")");
    HAMGEN_CHECK(t >= 0 && t < num_classes, "confusion_matrix: true label ", i, " is ", t, ", outside [0, ",
                 num_classes, ")");
    ++c(t, p);
  }
  return c;
}

} // namespace hamgen::metrics
