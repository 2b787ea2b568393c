// hamgen/integrate/rk4.hpp
//
// Represents: the classical 4th-order Runge–Kutta method applied to Hamilton's equations
//             q' = ∂H/∂p, p' = −∂H/∂q (Kutta 1901; Hairer, Nørsett & Wanner, Solving ODEs I, II.1).
//             NOT symplectic: a non-structure-preserving reference whose energy error grows secularly.
// Requires:   ham::hamiltonian<H, S>.
// Ensures:    order 4; four evaluations of each gradient per step; no allocation for fixed-size S
//             (the stage vectors live in the cache).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>
#include <hamgen/integrate/stepper.hpp>

namespace hamgen::integrate {

template <class S>
struct rk4_cache {
  S kq1, kp1, kq2, kp2, kq3, kp3, kq4, kp4, qt, pt;
  void reset() {}
};

class rk4 : public detail::step_without_cache<rk4> {
public:
  static constexpr int order = 4;
  static constexpr bool symmetric = false;
  static constexpr const char* name = "rk4";
  template <class S>
  using cache = rk4_cache<S>;

  using detail::step_without_cache<rk4>::step;

  template <class H, class S>
  void step(const H& h, S& q, S& p, double dt, cache<S>& c) const {
    static_assert(ham::hamiltonian<H, S>, "hamgen::integrate::rk4: the system does not model "
                                          "hamgen::ham::hamiltonian<H, S> (energy, dh_dq, dh_dp)");
    using T = ham::scalar_of<S>;
    detail::check_step_input(name, "step", q, p, dt, false);
    const T h2(0.5 * dt), h1(dt), h6(dt / 6.0);
    c.kq1 = h.dh_dp(q, p);
    c.kp1 = -h.dh_dq(q, p);
    c.qt = q + h2 * c.kq1;
    c.pt = p + h2 * c.kp1;
    c.kq2 = h.dh_dp(c.qt, c.pt);
    c.kp2 = -h.dh_dq(c.qt, c.pt);
    c.qt = q + h2 * c.kq2;
    c.pt = p + h2 * c.kp2;
    c.kq3 = h.dh_dp(c.qt, c.pt);
    c.kp3 = -h.dh_dq(c.qt, c.pt);
    c.qt = q + h1 * c.kq3;
    c.pt = p + h1 * c.kp3;
    c.kq4 = h.dh_dp(c.qt, c.pt);
    c.kp4 = -h.dh_dq(c.qt, c.pt);
    q += h6 * (c.kq1 + T(2) * c.kq2 + T(2) * c.kq3 + c.kq4);
    p += h6 * (c.kp1 + T(2) * c.kp2 + T(2) * c.kp3 + c.kp4);
  }
};

} // namespace hamgen::integrate
