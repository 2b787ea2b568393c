// hamgen/integrate/tao.hpp
//
// Represents: Tao's explicit symplectic integrator for non-separable H (M. Tao, "Explicit symplectic
//             approximation of nonseparable Hamiltonians: algorithm and long time performance",
//             Phys. Rev. E 94, 043303, 2016). The phase space is doubled with a copy (x, y) and
//               H̄(q, p, x, y) = H(q, y) + H(x, p) + ω·½(|q − x|² + |p − y|²),
//             whose three parts have exact flows:
//               φ_A^τ (H(q, y)):  p ← p − τ ∂H/∂q(q, y),   x ← x + τ ∂H/∂p(q, y)
//               φ_B^τ (H(x, p)):  q ← q + τ ∂H/∂p(x, p),   y ← y − τ ∂H/∂q(x, p)
//               φ_C^τ (binding):  (q − x, p − y) rotated by the angle 2ωτ, (q + x, p + y) fixed.
//             Order 2: φ_A^{h/2} φ_B^{h/2} φ_C^{h} φ_B^{h/2} φ_A^{h/2}; Order 4, 6, …: triple jump of
//             the order−2 method (Tao 2016 §2; Yoshida 1990).
// Requires:   ham::hamiltonian<H, S>; tao_options {.omega} with ω > 0 finite (the binding parameter;
//             Tao recommends ω·h ≪ 1 while ω is large enough to bind the copies, e.g. ω = 20 for h ≈ 0.01).
// Ensures:    step(h, q, p, dt, cache) keeps the copies (x, y) in the cache across steps (they start as
//             x = q, y = p when the cache is fresh); the map on (q, p, x, y) is exactly symplectic
//             (step_extended exposes it); the returned (q, p) converge with order Order.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>
#include <hamgen/integrate/stepper.hpp>
#include <hamgen/integrate/tableau.hpp>

#include <cmath>

namespace hamgen::integrate {

struct tao_options {
  double omega = 20.0; ///< binding strength ω of the copies
};

template <class S>
struct tao_cache {
  S x, y, g1, g2;
  bool valid = false;
  void reset() { valid = false; }
};

template <int Order = 2>
class tao_method : public detail::step_without_cache<tao_method<Order>> {
  static_assert(Order >= 2 && Order % 2 == 0, "hamgen::integrate::tao: Order must be 2, 4, 6, ...");

public:
  static constexpr int order = Order;
  static constexpr bool symmetric = true;
  static constexpr const char* name = "tao";
  template <class S>
  using cache = tao_cache<S>;

  tao_method() = default;
  explicit tao_method(tao_options opts) : opts_(opts) { validate(); }
  const tao_options& options() const { return opts_; }

  using detail::step_without_cache<tao_method<Order>>::step;

  template <class H, class S>
  void step(const H& h, S& q, S& p, double dt, cache<S>& c) const {
    static_assert(ham::hamiltonian<H, S>, "hamgen::integrate::tao: the system does not model "
                                          "hamgen::ham::hamiltonian<H, S> (energy, dh_dq, dh_dp)");
    validate();
    detail::check_step_input(name, "step", q, p, dt, false);
    if (!c.valid || c.x.size() != q.size()) {
      c.x = q;
      c.y = p;
      c.valid = true;
    }
    composed<Order>(h, q, p, c.x, c.y, dt, c);
  }

  /// The symplectic map of the extended phase space (q, p, x, y).
  template <class H, class S>
  void step_extended(const H& h, S& q, S& p, S& x, S& y, double dt) const {
    validate();
    detail::check_step_input(name, "step_extended", q, p, dt, false);
    HAMGEN_CHECK_SHAPE(x.size() == q.size() && y.size() == q.size(), "tao::step_extended: x has ", x.size(),
                       " and y has ", y.size(), " elements, q has ", q.size());
    cache<S> c;
    composed<Order>(h, q, p, x, y, dt, c);
  }

private:
  template <int K, class H, class S>
  void composed(const H& h, S& q, S& p, S& x, S& y, double dt, cache<S>& c) const {
    if constexpr (K == 2) {
      base(h, q, p, x, y, dt, c);
    } else {
      constexpr double g1 = 1.0 / (2.0 - detail::root_n(2.0, K - 1));
      constexpr double g0 = 1.0 - 2.0 * g1;
      composed<K - 2>(h, q, p, x, y, g1 * dt, c);
      composed<K - 2>(h, q, p, x, y, g0 * dt, c);
      composed<K - 2>(h, q, p, x, y, g1 * dt, c);
    }
  }
  template <class H, class S>
  void base(const H& h, S& q, S& p, S& x, S& y, double dt, cache<S>& c) const {
    flow_a(h, q, p, x, y, 0.5 * dt, c);
    flow_b(h, q, p, x, y, 0.5 * dt, c);
    flow_c(q, p, x, y, dt);
    flow_b(h, q, p, x, y, 0.5 * dt, c);
    flow_a(h, q, p, x, y, 0.5 * dt, c);
  }
  template <class H, class S>
  static void flow_a(const H& h, const S& q, S& p, S& x, const S& y, double tau, cache<S>& c) {
    using T = ham::scalar_of<S>;
    c.g1 = h.dh_dq(q, y);
    c.g2 = h.dh_dp(q, y);
    p -= T(tau) * c.g1;
    x += T(tau) * c.g2;
  }
  template <class H, class S>
  static void flow_b(const H& h, S& q, const S& p, const S& x, S& y, double tau, cache<S>& c) {
    using T = ham::scalar_of<S>;
    c.g1 = h.dh_dq(x, p);
    c.g2 = h.dh_dp(x, p);
    q += T(tau) * c.g2;
    y -= T(tau) * c.g1;
  }
  template <class S>
  void flow_c(S& q, S& p, S& x, S& y, double tau) const {
    using T = ham::scalar_of<S>;
    const T cs(std::cos(2.0 * opts_.omega * tau)), sn(std::sin(2.0 * opts_.omega * tau));
    for (Eigen::Index i = 0; i < q.size(); ++i) {
      const T sq = q(i) + x(i), sp = p(i) + y(i), dq = q(i) - x(i), dp = p(i) - y(i);
      const T rq = cs * dq + sn * dp, rp = -sn * dq + cs * dp;
      q(i) = T(0.5) * (sq + rq);
      p(i) = T(0.5) * (sp + rp);
      x(i) = T(0.5) * (sq - rq);
      y(i) = T(0.5) * (sp - rp);
    }
  }
  void validate() const {
    HAMGEN_CHECK(opts_.omega > 0 && std::isfinite(opts_.omega), "tao: omega = ", opts_.omega,
                 " must be positive and finite");
  }
  tao_options opts_{};
};

/// Tao's 2nd-order method; tao_method<4> is the 4th-order triple jump.
using tao = tao_method<2>;
using tao4 = tao_method<4>;

} // namespace hamgen::integrate
