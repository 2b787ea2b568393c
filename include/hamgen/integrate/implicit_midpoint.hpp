// hamgen/integrate/implicit_midpoint.hpp
//
// Represents: the implicit midpoint rule for any (also non-separable) Hamiltonian,
//               z₁ = z₀ + dt · J∇H((z₀ + z₁)/2),   z = (q, p),
//             solved by fixed-point iteration on the midpoint (Q, P):
//               Q ← q₀ + dt/2 · ∂H/∂p(Q, P),  P ← p₀ − dt/2 · ∂H/∂q(Q, P),  then q₁ = 2Q − q₀, p₁ = 2P − p₀.
//             Order 2, symmetric, symplectic (Hairer, Lubich & Wanner, GNI, 2nd ed., VI.3 and VIII.6).
// Requires:   ham::hamiltonian<H, S>; implicit_midpoint_options {.tolerance, .max_iterations} with
//             tolerance ≥ 0 and max_iterations ≥ 1 (value_error naming both otherwise); the iteration
//             contracts when dt·L/2 < 1 (L a Lipschitz constant of J∇H).
// Ensures:    the iteration stops when max|ΔQ, ΔP| ≤ max(tolerance, 4ε(T))·(1 + max|Q, P|); when it does
//             not within max_iterations, step throws convergence_error naming the iterations, the last
//             update, the tolerance and dt (q, p are left unchanged).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>
#include <hamgen/integrate/stepper.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hamgen::integrate {

struct implicit_midpoint_options {
  double tolerance = 1e-14; ///< relative stopping tolerance of the fixed-point iteration
  int max_iterations = 100; ///< iteration budget per step (≥ 1)
};

template <class S>
struct implicit_midpoint_cache {
  S qm, pm, qn, pn;
  void reset() {}
};

class implicit_midpoint : public detail::step_without_cache<implicit_midpoint> {
public:
  static constexpr int order = 2;
  static constexpr bool symmetric = true;
  static constexpr const char* name = "implicit_midpoint";
  template <class S>
  using cache = implicit_midpoint_cache<S>;

  implicit_midpoint() = default;
  explicit implicit_midpoint(implicit_midpoint_options opts) : opts_(opts) { validate(); }
  const implicit_midpoint_options& options() const { return opts_; }

  using detail::step_without_cache<implicit_midpoint>::step;

  template <class H, class S>
  void step(const H& h, S& q, S& p, double dt, cache<S>& c) const {
    static_assert(ham::hamiltonian<H, S>, "hamgen::integrate::implicit_midpoint: the system does not model "
                                          "hamgen::ham::hamiltonian<H, S> (energy, dh_dq, dh_dp)");
    using T = ham::scalar_of<S>;
    validate();
    detail::check_step_input(name, "step", q, p, dt, false);
    constexpr double eps = std::numeric_limits<T>::is_specialized
                               ? static_cast<double>(std::numeric_limits<T>::epsilon())
                               : std::numeric_limits<double>::epsilon();
    const double tol = std::max(opts_.tolerance, 4.0 * eps);
    const T half(0.5 * dt);
    // Predictor: an explicit Euler half step.
    c.qm = q + half * h.dh_dp(q, p);
    c.pm = p - half * h.dh_dq(q, p);
    double update = std::numeric_limits<double>::infinity();
    for (int it = 0; it < opts_.max_iterations; ++it) {
      c.qn = q + half * h.dh_dp(c.qm, c.pm);
      c.pn = p - half * h.dh_dq(c.qm, c.pm);
      update = 0.0;
      double scale = 0.0;
      for (Eigen::Index i = 0; i < q.size(); ++i) {
        update = std::max({update, std::abs(static_cast<double>(c.qn(i) - c.qm(i))),
                           std::abs(static_cast<double>(c.pn(i) - c.pm(i)))});
        scale =
            std::max({scale, std::abs(static_cast<double>(c.qn(i))), std::abs(static_cast<double>(c.pn(i)))});
      }
      c.qm.swap(c.qn);
      c.pm.swap(c.pn);
      if (!std::isfinite(update)) break;
      if (update <= tol * (1.0 + scale)) {
        q = T(2) * c.qm - q;
        p = T(2) * c.pm - p;
        return;
      }
    }
    throw convergence_error(hamgen::detail::concat(
        "implicit_midpoint::step: the fixed-point iteration did not converge in ", opts_.max_iterations,
        " iterations (last update ", update, ", tolerance ", tol, ", dt = ", dt, ")"));
  }

private:
  void validate() const {
    HAMGEN_CHECK(opts_.max_iterations >= 1, "implicit_midpoint: max_iterations = ", opts_.max_iterations,
                 " (the iteration budget must be at least 1)");
    HAMGEN_CHECK(opts_.tolerance >= 0 && std::isfinite(opts_.tolerance),
                 "implicit_midpoint: tolerance = ", opts_.tolerance, " must be finite and non-negative");
  }
  implicit_midpoint_options opts_{};
};

} // namespace hamgen::integrate
