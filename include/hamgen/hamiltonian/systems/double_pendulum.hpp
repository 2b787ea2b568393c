// hamgen/hamiltonian/systems/double_pendulum.hpp
//
// Represents: the planar double pendulum with absolute angles q = (q1, q2) (both from the downward
//             vertical) and canonical momenta p = (p1, p2):
//               H = [m2 l2² p1² + (m1+m2) l1² p2² − 2 m2 l1 l2 p1 p2 cos(q1−q2)]
//                   / [2 m2 l1² l2² (m1 + m2 sin²(q1−q2))]  − (m1+m2) g l1 cos q1 − m2 g l2 cos q2.
//             NOT separable (the kinetic energy depends on q1 − q2): use implicit_midpoint, tao or rk4.
// Requires:   q and p with exactly 2 elements (shape_error otherwise); m1, m2, l1, l2, g > 0.
// Ensures:    a hamiltonian with analytic gradients. With all of m1 = m2 = 0.5, l1 = l2 = 1, g = 3 it
//             is the DeepMind Hamiltonian Dynamics Suite `double_pendulum` (Botev et al. 2021;
//             /work/shared/reference/datasets.md §4.3). Derivation of the gradients: write
//             Δ = q1 − q2, D = m1 + m2 sin²Δ, T = N / (2 m2 l1² l2² D); then
//             ∂T/∂p1 = (l2 p1 − l1 p2 cos Δ) / (l1² l2 D),
//             ∂T/∂p2 = ((m1+m2) l1 p2 − m2 l2 p1 cos Δ) / (m2 l1 l2² D),
//             ∂T/∂Δ = m2 l1 l2 p1 p2 sin Δ / (m2 l1² l2² D) − T · 2 m2 sin Δ cos Δ / D.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>

#include <cmath>

namespace hamgen::ham {

struct double_pendulum {
  double m1 = 1.0, m2 = 1.0; ///< bob masses
  double l1 = 1.0, l2 = 1.0; ///< rod lengths
  double g = 1.0;            ///< gravitational acceleration

  void validate() const {
    HAMGEN_CHECK(m1 > 0 && m2 > 0 && l1 > 0 && l2 > 0 && g > 0,
                 "double_pendulum: m1, m2, l1, l2, g must be positive (m1 = ", m1, ", m2 = ", m2,
                 ", l1 = ", l1, ", l2 = ", l2, ", g = ", g, ")");
  }

  template <state_vector S>
  scalar_of<S> energy(const S& q, const S& p) const {
    using T = scalar_of<S>;
    using std::cos;
    using std::sin;
    check_size("energy", q, p);
    const T d = q(0) - q(1), c = cos(d), s = sin(d);
    const T num = T(m2 * l2 * l2) * p(0) * p(0) + T((m1 + m2) * l1 * l1) * p(1) * p(1) -
                  T(2 * m2 * l1 * l2) * p(0) * p(1) * c;
    const T den = T(2 * m2 * l1 * l1 * l2 * l2) * (T(m1) + T(m2) * s * s);
    return num / den - T((m1 + m2) * g * l1) * cos(q(0)) - T(m2 * g * l2) * cos(q(1));
  }
  template <state_vector S>
  S dh_dp(const S& q, const S& p) const {
    using T = scalar_of<S>;
    using std::cos;
    using std::sin;
    check_size("dh_dp", q, p);
    const T d = q(0) - q(1), c = cos(d), s = sin(d);
    const T dd = T(m1) + T(m2) * s * s;
    S out(2);
    out(0) = (T(l2) * p(0) - T(l1) * p(1) * c) / (T(l1 * l1 * l2) * dd);
    out(1) = (T((m1 + m2) * l1) * p(1) - T(m2 * l2) * p(0) * c) / (T(m2 * l1 * l2 * l2) * dd);
    return out;
  }
  template <state_vector S>
  S dh_dq(const S& q, const S& p) const {
    using T = scalar_of<S>;
    using std::cos;
    using std::sin;
    check_size("dh_dq", q, p);
    const T d = q(0) - q(1), c = cos(d), s = sin(d);
    const T dd = T(m1) + T(m2) * s * s;
    const T num = T(m2 * l2 * l2) * p(0) * p(0) + T((m1 + m2) * l1 * l1) * p(1) * p(1) -
                  T(2 * m2 * l1 * l2) * p(0) * p(1) * c;
    const T kin = num / (T(2 * m2 * l1 * l1 * l2 * l2) * dd);
    const T dk =
        T(m2 * l1 * l2) * p(0) * p(1) * s / (T(m2 * l1 * l1 * l2 * l2) * dd) - kin * T(2 * m2) * s * c / dd;
    S out(2);
    out(0) = dk + T((m1 + m2) * g * l1) * sin(q(0));
    out(1) = -dk + T(m2 * g * l2) * sin(q(1));
    return out;
  }

private:
  template <class S>
  static void check_size(const char* fn, const S& q, const S& p) {
    HAMGEN_CHECK_SHAPE(q.size() == 2 && p.size() == 2, "double_pendulum::", fn, ": q has ", q.size(),
                       " elements and p has ", p.size(), ", expected 2 and 2");
  }
};

} // namespace hamgen::ham
