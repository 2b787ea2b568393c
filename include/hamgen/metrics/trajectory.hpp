// hamgen/metrics/trajectory.hpp
//
// Represents: metrics of predicted trajectories: valid prediction time (VPT), energy conservation
//             (standard deviation and relative error of the energy along a trajectory) and per-step MSE
//             curves.
// Requires:   a trajectory is an Eigen matrix or array with one row per time step and one column per
//             observed value (flattened pixels H*W*C for image sequences, or phase-space coordinates);
//             any arithmetic scalar (an uint8 video can be wrapped without copying by an
//             Eigen::Map<const Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic,
//             Eigen::RowMajor>>). Prediction and target have the same shape; all values finite.
// Ensures:    VPT follows the Hamiltonian Dynamics Suite evaluation of Botev et al., "Which priors matter?
//             Benchmarking models for learning latent dynamics", NeurIPS Datasets & Benchmarks 2021 (code:
//             deepmind-research/physics_inspired_models, `_eval_batch_vpt`, config `vpt_threshold=0.025`):
//               e_t = mean_d (target_td - prediction_td)^2 / mean_d target_td^2      (per frame t)
//               VPT = the first 0-based step t with e_t > threshold (strictly), or T if there is none,
//             i.e. the number of leading steps that are still valid. Over several trajectories the suite
//             reports vpt_abs = median of the VPTs and vpt_rel = vpt_abs / T (T = segment length); models
//             that run backwards average the forward and backward figures (left to the caller).
//             A target frame with zero energy (all zeros) has e_t = 0 if the prediction is also all zeros
//             and +infinity otherwise (the suite's NumPy code yields NaN, i.e. "valid", for 0/0).
//             energy_std = sqrt(sum_t (E_t - mean E)^2 / (T - ddof)); ddof = 0 (population, NumPy's default)
//             unless told otherwise; HGAN's "energy drift" is this std of H along one generated trajectory.
//             per_step_mse_t = mean_d (prediction_td - target_td)^2.
//             Problems raise hamgen::shape_error / value_error naming the metric and the values.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/metrics/detail/check.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <limits>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

namespace hamgen::metrics {

/// An Eigen dense object (matrix, array, map, block).
template <class M>
concept eigen_dense = std::derived_from<std::remove_cvref_t<M>, Eigen::DenseBase<std::remove_cvref_t<M>>>;

/// A range whose elements are Eigen dense objects (e.g. std::vector<Eigen::MatrixXd>): several trajectories.
template <class R>
concept trajectory_range = std::ranges::forward_range<R> && eigen_dense<std::ranges::range_value_t<R>>;

/// A Hamiltonian / energy function: called with one state (a column vector), returns a number.
template <class F>
concept energy_function = std::invocable<F&, const Eigen::VectorXd&> &&
                          std::convertible_to < std::invoke_result_t<F&, const Eigen::VectorXd&>,
double > ;

/// VPT settings (Botev et al. 2021: threshold 0.025 on the normalised per-frame MSE).
struct vpt_options {
  double threshold = 0.025;
};

/// Summary of VPT over several trajectories, as the Hamiltonian Dynamics Suite reports it.
struct vpt_statistics {
  double vpt_abs = 0.0;              ///< median VPT in steps
  double vpt_rel = 0.0;              ///< vpt_abs / segment_length
  std::ptrdiff_t segment_length = 0; ///< T, the number of predicted steps per trajectory
  Eigen::VectorXd per_trajectory;    ///< the VPT of every trajectory, in input order
};

/// Energy statistics settings.
struct energy_std_options {
  int ddof = 0; ///< delta degrees of freedom: divide by T - ddof (0: population std, 1: sample std)
};

namespace detail {

template <class P, class T>
void check_trajectory_pair(const char* metric, const Eigen::DenseBase<P>& prediction,
                           const Eigen::DenseBase<T>& target) {
  check_non_empty(metric, "prediction", prediction);
  check_same_shape(metric, "prediction", prediction, "target", target);
  check_finite_matrix(metric, "prediction", prediction);
  check_finite_matrix(metric, "target", target);
}

inline void check_vpt_options(const vpt_options& o) {
  HAMGEN_CHECK(std::isfinite(o.threshold) && o.threshold >= 0.0,
               "valid_prediction_time: threshold must be finite and >= 0, got ", o.threshold);
}

template <class P, class T>
Eigen::VectorXd frame_error_unchecked(const Eigen::DenseBase<P>& prediction,
                                      const Eigen::DenseBase<T>& target) {
  Eigen::VectorXd e(prediction.rows());
  for (Eigen::Index t = 0; t < prediction.rows(); ++t) {
    double err = 0.0, energy = 0.0;
    for (Eigen::Index d = 0; d < prediction.cols(); ++d) {
      const double y = static_cast<double>(target(t, d));
      const double diff = y - static_cast<double>(prediction(t, d));
      err += diff * diff;
      energy += y * y;
    }
    // The means share the divisor D, so the ratio of sums equals the ratio of means.
    e[t] = energy > 0.0 ? err / energy : (err == 0.0 ? 0.0 : std::numeric_limits<double>::infinity());
  }
  return e;
}

inline std::ptrdiff_t first_crossing(const Eigen::VectorXd& e, double threshold) {
  for (Eigen::Index t = 0; t < e.size(); ++t)
    if (e[t] > threshold) return t;
  return e.size();
}

inline double median(std::vector<double> v) {
  const std::size_t n = v.size();
  std::sort(v.begin(), v.end());
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <class D>
void check_energy_samples(const char* metric, const Eigen::DenseBase<D>& e) {
  HAMGEN_CHECK_SHAPE(e.rows() == 1 || e.cols() == 1, metric, ": energies must be a vector, got ", e.rows(),
                     "x", e.cols());
  check_non_empty(metric, "energies", e);
  for (Eigen::Index i = 0; i < e.size(); ++i) {
    const double v = static_cast<double>(e(i));
    if (!std::isfinite(v))
      throw value_error(::hamgen::detail::concat(metric, ": energy at step ", i, " is not finite (", v, ")"));
  }
}

} // namespace detail

/// Normalised per-frame error e_t = mean_d (target - prediction)^2 / mean_d target^2 (length T).
template <class P, class T>
Eigen::VectorXd normalised_frame_error(const Eigen::DenseBase<P>& prediction,
                                       const Eigen::DenseBase<T>& target) {
  detail::check_trajectory_pair("normalised_frame_error", prediction, target);
  return detail::frame_error_unchecked(prediction, target);
}

/// VPT of one trajectory: the first step whose normalised error exceeds the threshold, or T.
template <class P, class T>
std::ptrdiff_t valid_prediction_time(const Eigen::DenseBase<P>& prediction, const Eigen::DenseBase<T>& target,
                                     const vpt_options& options = {}) {
  detail::check_vpt_options(options);
  detail::check_trajectory_pair("valid_prediction_time", prediction, target);
  return detail::first_crossing(detail::frame_error_unchecked(prediction, target), options.threshold);
}

/// VPT over several trajectories of equal shape: median (vpt_abs), median / T (vpt_rel) and every VPT.
template <trajectory_range RP, trajectory_range RT>
vpt_statistics valid_prediction_times(const RP& predictions, const RT& targets,
                                      const vpt_options& options = {}) {
  detail::check_vpt_options(options);
  const auto n = std::ranges::distance(predictions);
  HAMGEN_CHECK_SHAPE(n > 0, "valid_prediction_times: no trajectories given");
  HAMGEN_CHECK_SHAPE(n == std::ranges::distance(targets), "valid_prediction_times: ", n,
                     " predicted trajectories but ", std::ranges::distance(targets), " targets");
  vpt_statistics out;
  out.per_trajectory.resize(n);
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(n));
  auto it_t = std::ranges::begin(targets);
  Eigen::Index i = 0;
  for (const auto& p : predictions) {
    const auto& t = *it_t;
    if (i == 0) out.segment_length = p.rows();
    HAMGEN_CHECK_SHAPE(p.rows() == out.segment_length, "valid_prediction_times: trajectory ", i, " has ",
                       p.rows(), " steps but trajectory 0 has ", out.segment_length);
    detail::check_trajectory_pair("valid_prediction_times", p, t);
    const auto v =
        static_cast<double>(detail::first_crossing(detail::frame_error_unchecked(p, t), options.threshold));
    out.per_trajectory[i++] = v;
    values.push_back(v);
    ++it_t;
  }
  out.vpt_abs = detail::median(std::move(values));
  out.vpt_rel = out.vpt_abs / static_cast<double>(out.segment_length);
  return out;
}

/// Energies H(x_t) of every row (state) of a trajectory.
template <class S, energy_function F>
Eigen::VectorXd trajectory_energies(const Eigen::DenseBase<S>& states, F&& energy) {
  detail::check_non_empty("trajectory_energies", "states", states);
  detail::check_finite_matrix("trajectory_energies", "states", states);
  Eigen::VectorXd e(states.rows());
  Eigen::VectorXd x(states.cols());
  for (Eigen::Index t = 0; t < states.rows(); ++t) {
    for (Eigen::Index d = 0; d < states.cols(); ++d) x[d] = static_cast<double>(states(t, d));
    e[t] = static_cast<double>(energy(std::as_const(x)));
    if (!std::isfinite(e[t]))
      throw value_error(
          ::hamgen::detail::concat("trajectory_energies: energy at step ", t, " is not finite (", e[t], ")"));
  }
  return e;
}

/// Standard deviation of energy samples along a trajectory (divisor T - ddof).
template <class D>
double energy_std(const Eigen::DenseBase<D>& energies, const energy_std_options& options = {}) {
  detail::check_energy_samples("energy_std", energies);
  HAMGEN_CHECK(options.ddof >= 0, "energy_std: ddof must be >= 0, got ", options.ddof);
  const Eigen::Index n = energies.size();
  HAMGEN_CHECK_SHAPE(n > options.ddof, "energy_std: ", n, " samples are too few for ddof = ", options.ddof);
  double mean = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) mean += static_cast<double>(energies(i));
  mean /= static_cast<double>(n);
  double ss = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double d = static_cast<double>(energies(i)) - mean;
    ss += d * d;
  }
  return std::sqrt(ss / static_cast<double>(n - options.ddof));
}

/// Standard deviation of H along a trajectory of states (one state per row).
template <class S, energy_function F>
double energy_std(const Eigen::DenseBase<S>& states, F&& energy, const energy_std_options& options = {}) {
  return energy_std(trajectory_energies(states, std::forward<F>(energy)), options);
}

/// Relative energy error |E_t - E_0| / |E_0| along a trajectory (length T); E_0 must be non-zero.
template <class D>
Eigen::VectorXd relative_energy_error(const Eigen::DenseBase<D>& energies) {
  detail::check_energy_samples("relative_energy_error", energies);
  const double e0 = static_cast<double>(energies(0));
  HAMGEN_CHECK(e0 != 0.0, "relative_energy_error: the initial energy is 0, the relative error is undefined");
  Eigen::VectorXd r(energies.size());
  for (Eigen::Index i = 0; i < energies.size(); ++i)
    r[i] = std::abs(static_cast<double>(energies(i)) - e0) / std::abs(e0);
  return r;
}

/// MSE of every step: mean over columns of (prediction - target)^2 (length T).
template <class P, class T>
Eigen::VectorXd per_step_mse(const Eigen::DenseBase<P>& prediction, const Eigen::DenseBase<T>& target) {
  detail::check_trajectory_pair("per_step_mse", prediction, target);
  Eigen::VectorXd m(prediction.rows());
  for (Eigen::Index t = 0; t < prediction.rows(); ++t) {
    double s = 0.0;
    for (Eigen::Index d = 0; d < prediction.cols(); ++d) {
      const double diff = static_cast<double>(prediction(t, d)) - static_cast<double>(target(t, d));
      s += diff * diff;
    }
    m[t] = s / static_cast<double>(prediction.cols());
  }
  return m;
}

/// Per-step MSE averaged over several trajectories of equal shape (length T).
template <trajectory_range RP, trajectory_range RT>
Eigen::VectorXd mean_per_step_mse(const RP& predictions, const RT& targets) {
  const auto n = std::ranges::distance(predictions);
  HAMGEN_CHECK_SHAPE(n > 0, "mean_per_step_mse: no trajectories given");
  HAMGEN_CHECK_SHAPE(n == std::ranges::distance(targets), "mean_per_step_mse: ", n,
                     " predicted trajectories but ", std::ranges::distance(targets), " targets");
  Eigen::VectorXd sum;
  auto it_t = std::ranges::begin(targets);
  Eigen::Index i = 0;
  for (const auto& p : predictions) {
    Eigen::VectorXd m = per_step_mse(p, *it_t);
    if (i == 0) sum = Eigen::VectorXd::Zero(m.size());
    HAMGEN_CHECK_SHAPE(m.size() == sum.size(), "mean_per_step_mse: trajectory ", i, " has ", m.size(),
                       " steps but trajectory 0 has ", sum.size());
    sum += m;
    ++it_t;
    ++i;
  }
  return sum / static_cast<double>(n);
}

} // namespace hamgen::metrics
