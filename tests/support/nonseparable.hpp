// tests/support/nonseparable.hpp: a non-separable Hamiltonian with a closed-form flow, for the
// convergence tests of implicit midpoint and Tao: H = (|q|² + |p|²)² / 4. Along the flow
// r² = |q|² + |p|² is conserved and (q, p) rotates with angular velocity ω = r²:
// q(t) = q0 cos ωt + p0 sin ωt, p(t) = p0 cos ωt − q0 sin ωt. Test-only.
#pragma once

#include <hamgen/hamiltonian/concepts.hpp>

#include <cmath>
#include <utility>

namespace hamgen_test {

struct quartic_rotor {
  template <hamgen::ham::state_vector S>
  hamgen::ham::scalar_of<S> energy(const S& q, const S& p) const {
    const auto r2 = q.squaredNorm() + p.squaredNorm();
    return r2 * r2 / 4;
  }
  template <hamgen::ham::state_vector S>
  S dh_dq(const S& q, const S& p) const {
    return q * (q.squaredNorm() + p.squaredNorm());
  }
  template <hamgen::ham::state_vector S>
  S dh_dp(const S& q, const S& p) const {
    return p * (q.squaredNorm() + p.squaredNorm());
  }
  template <class S>
  static std::pair<S, S> exact(const S& q0, const S& p0, double t) {
    const double w = q0.squaredNorm() + p0.squaredNorm();
    return {q0 * std::cos(w * t) + p0 * std::sin(w * t), p0 * std::cos(w * t) - q0 * std::sin(w * t)};
  }
};

} // namespace hamgen_test
