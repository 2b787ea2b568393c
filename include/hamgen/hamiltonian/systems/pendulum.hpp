// hamgen/hamiltonian/systems/pendulum.hpp
//
// Represents: the ideal pendulum H(q, p) = m g l (1 − cos q) + p²/(2 m l²), q the angle from the
//             downward vertical and p the angular momentum, applied to every component of q (each
//             component one independent pendulum with the same m, g, l).
// Requires:   m, g, l > 0 (validate()).
// Ensures:    a separable_hamiltonian for any state_vector whose scalar has sin/cos (found by ADL or
//             std::). With {.m = 0.5, .g = 3, .l = 1} this is the DeepMind Hamiltonian Dynamics Suite
//             `pendulum` (Botev et al. 2021; /work/shared/reference/datasets.md §4.2).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>

#include <cmath>

namespace hamgen::ham {

struct pendulum {
  double m = 1.0; ///< bob mass
  double g = 1.0; ///< gravitational acceleration
  double l = 1.0; ///< rod length

  void validate() const {
    HAMGEN_CHECK(m > 0 && g > 0 && l > 0 && std::isfinite(m) && std::isfinite(g) && std::isfinite(l),
                 "pendulum: m, g, l must be positive and finite (m = ", m, ", g = ", g, ", l = ", l, ")");
  }

  template <state_vector S>
  scalar_of<S> energy(const S& q, const S& p) const {
    using T = scalar_of<S>;
    using std::cos;
    T v(0);
    for (Eigen::Index i = 0; i < q.size(); ++i) v += T(1) - cos(q(i));
    return T(m * g * l) * v + p.squaredNorm() / T(2 * m * l * l);
  }
  template <state_vector S>
  S potential_grad(const S& q) const {
    S out;
    potential_grad(q, out);
    return out;
  }
  template <state_vector S>
  void potential_grad(const S& q, S& out) const {
    using T = scalar_of<S>;
    using std::sin;
    out.resize(q.size());
    const T c(m * g * l);
    for (Eigen::Index i = 0; i < q.size(); ++i) out(i) = c * sin(q(i));
  }
  template <state_vector S>
  S kinetic_grad(const S& p) const {
    return p * scalar_of<S>(1.0 / (m * l * l));
  }
  template <state_vector S>
  void kinetic_grad(const S& p, S& out) const {
    out.resize(p.size());
    out = p * scalar_of<S>(1.0 / (m * l * l));
  }
  /// Fused drift q += a·p/(m l²).
  template <state_vector S>
  void drift(S& q, const S& p, scalar_of<S> a) const {
    q.noalias() += (a * scalar_of<S>(1.0 / (m * l * l))) * p;
  }
  template <state_vector S>
  S dh_dq(const S& q, const S& /*p*/) const {
    return potential_grad(q);
  }
  template <state_vector S>
  S dh_dp(const S& /*q*/, const S& p) const {
    return kinetic_grad(p);
  }
};

} // namespace hamgen::ham
