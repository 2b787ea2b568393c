// hamgen/hamiltonian/systems/harmonic_oscillator.hpp
//
// Represents: the harmonic oscillator (mass–spring) H(q, p) = k |q|²/2 + |p|²/(2m), applied to every
//             component of q (each component is one independent 1-D oscillator with the same k, m).
// Requires:   k > 0, m > 0 (checked by the constructor-free aggregate's validate()).
// Ensures:    a separable_hamiltonian for any state_vector; exact(q0, p0, t) is the closed-form
//             solution q(t) = q0 cos ωt + p0/(mω) sin ωt, p(t) = p0 cos ωt − q0 m ω sin ωt, ω = √(k/m).
//             With {.k = 2, .m = 0.5} this is the DeepMind Hamiltonian Dynamics Suite `mass_spring`
//             (Botev et al. 2021; /work/shared/reference/datasets.md §4.1).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>

#include <cmath>
#include <utility>

namespace hamgen::ham {

struct harmonic_oscillator {
  double k = 1.0; ///< spring constant
  double m = 1.0; ///< mass

  void validate() const {
    HAMGEN_CHECK(k > 0 && m > 0 && std::isfinite(k) && std::isfinite(m),
                 "harmonic_oscillator: k and m must be positive and finite (k = ", k, ", m = ", m, ")");
  }
  double omega() const { return std::sqrt(k / m); }

  template <state_vector S>
  scalar_of<S> energy(const S& q, const S& p) const {
    using T = scalar_of<S>;
    return T(0.5 * k) * q.squaredNorm() + p.squaredNorm() / T(2 * m);
  }
  template <state_vector S>
  S potential_grad(const S& q) const {
    return q * scalar_of<S>(k);
  }
  template <state_vector S>
  S kinetic_grad(const S& p) const {
    return p * scalar_of<S>(1.0 / m);
  }
  template <state_vector S>
  void potential_grad(const S& q, S& out) const {
    out.resize(q.size());
    out = q * scalar_of<S>(k);
  }
  template <state_vector S>
  void kinetic_grad(const S& p, S& out) const {
    out.resize(p.size());
    out = p * scalar_of<S>(1.0 / m);
  }
  /// Fused drift q += a·p/m.
  template <state_vector S>
  void drift(S& q, const S& p, scalar_of<S> a) const {
    q.noalias() += (a * scalar_of<S>(1.0 / m)) * p;
  }
  template <state_vector S>
  S dh_dq(const S& q, const S& /*p*/) const {
    return potential_grad(q);
  }
  template <state_vector S>
  S dh_dp(const S& /*q*/, const S& p) const {
    return kinetic_grad(p);
  }

  /// The exact flow: (q(t), p(t)) from (q0, p0) at time 0.
  template <state_vector S>
  std::pair<S, S> exact(const S& q0, const S& p0, double t) const {
    using T = scalar_of<S>;
    const double w = omega();
    const T c = T(std::cos(w * t)), s = T(std::sin(w * t));
    S q = q0 * c + p0 * (s / T(m * w));
    S p = p0 * c - q0 * (s * T(m * w));
    return {std::move(q), std::move(p)};
  }
};

} // namespace hamgen::ham
