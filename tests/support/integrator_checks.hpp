// tests/support/integrator_checks.hpp: shared helpers of the integrator tests: least-squares
// convergence slopes, exact one-step Jacobians through hamgen_test::dual, and the symplecticity
// defect ‖ΦᵀJΦ − J‖_max. Test-only.
#pragma once

#include "dual.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <functional>
#include <vector>

namespace hamgen_test {

/// Slope of log(err) against log(dt) by least squares.
inline double convergence_slope(const std::vector<double>& dts, const std::vector<double>& errs) {
  const auto n = static_cast<double>(dts.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < dts.size(); ++i) {
    const double x = std::log(dts[i]), y = std::log(errs[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/// The canonical symplectic matrix J = [[0, I], [−I, 0]] of size 2n.
inline Eigen::MatrixXd canonical_j(Eigen::Index n) {
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(2 * n, 2 * n);
  J.topRightCorner(n, n).setIdentity();
  J.bottomLeftCorner(n, n) = -Eigen::MatrixXd::Identity(n, n);
  return J;
}

using dual_state = Eigen::Matrix<dual, Eigen::Dynamic, 1>;

/// Exact Jacobian of z = (q, p) ↦ step(z): `step(q, p)` advances dual states in place.
inline Eigen::MatrixXd one_step_jacobian(const Eigen::VectorXd& q0, const Eigen::VectorXd& p0,
                                         const std::function<void(dual_state&, dual_state&)>& step) {
  const Eigen::Index n = q0.size();
  Eigen::MatrixXd Phi(2 * n, 2 * n);
  for (Eigen::Index j = 0; j < 2 * n; ++j) {
    dual_state q(n), p(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      q(i) = dual(q0(i), j == i ? 1.0 : 0.0);
      p(i) = dual(p0(i), j == n + i ? 1.0 : 0.0);
    }
    step(q, p);
    for (Eigen::Index i = 0; i < n; ++i) {
      Phi(i, j) = q(i).d;
      Phi(n + i, j) = p(i).d;
    }
  }
  return Phi;
}

/// max |ΦᵀJΦ − J|.
inline double symplectic_defect(const Eigen::MatrixXd& Phi) {
  const Eigen::MatrixXd J = canonical_j(Phi.rows() / 2);
  return (Phi.transpose() * J * Phi - J).cwiseAbs().maxCoeff();
}

} // namespace hamgen_test
