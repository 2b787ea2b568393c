// hamgen/hamiltonian/systems/uncoupled_oscillators.hpp
//
// Represents: N independent harmonic oscillators, H(q, p) = Σ_i k_i q_i²/2 + p_i²/(2 m_i), each
//             with its own spring constant k_i and mass m_i (a benchmark system whose force costs O(N)).
// Requires:   k and m of equal length N ≥ 1, all entries positive and finite (value_error/shape_error
//             from the constructor); states with N elements (the in-place gradients resize `out`).
// Ensures:    a separable_hamiltonian with in-place gradient overloads (no allocation per force call
//             for dynamic states) and the closed-form solution exact(q0, p0, t).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>

#include <cmath>
#include <utility>

namespace hamgen::ham {

class uncoupled_oscillators {
public:
  /// N oscillators with spring constants k and masses m.
  uncoupled_oscillators(Eigen::VectorXd k, Eigen::VectorXd m) : k_(std::move(k)), m_(std::move(m)) {
    HAMGEN_CHECK_SHAPE(k_.size() == m_.size() && k_.size() > 0, "uncoupled_oscillators: k has ", k_.size(),
                       " elements, m has ", m_.size());
    for (Eigen::Index i = 0; i < k_.size(); ++i)
      HAMGEN_CHECK(k_(i) > 0 && m_(i) > 0 && std::isfinite(k_(i)) && std::isfinite(m_(i)),
                   "uncoupled_oscillators: k[", i, "] = ", k_(i), " and m[", i, "] = ", m_(i),
                   " must be positive and finite");
    inv_m_ = m_.cwiseInverse();
  }
  /// N oscillators with frequencies spread over [omega_min, omega_max] (m = 1, k_i = ω_i²).
  static uncoupled_oscillators spread(Eigen::Index n, double omega_min = 1.0, double omega_max = 2.0) {
    HAMGEN_CHECK(n > 0, "uncoupled_oscillators::spread: n = ", n, " must be positive");
    Eigen::VectorXd k(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double w = n == 1 ? omega_min : omega_min + (omega_max - omega_min) * double(i) / double(n - 1);
      k(i) = w * w;
    }
    return uncoupled_oscillators(k, Eigen::VectorXd::Ones(n));
  }

  Eigen::Index size() const { return k_.size(); }
  const Eigen::VectorXd& k() const { return k_; }
  const Eigen::VectorXd& m() const { return m_; }

  template <state_vector S>
  scalar_of<S> energy(const S& q, const S& p) const {
    using T = scalar_of<S>;
    check_size("energy", q);
    check_size("energy", p);
    return T(0.5) * (q.cwiseProduct(q).dot(k_.cast<T>()) + p.cwiseProduct(p).dot(inv_m_.cast<T>()));
  }
  template <state_vector S>
  void potential_grad(const S& q, S& out) const {
    out.resize(q.size());
    out = q.cwiseProduct(k_.cast<scalar_of<S>>());
  }
  template <state_vector S>
  void kinetic_grad(const S& p, S& out) const {
    out.resize(p.size());
    out = p.cwiseProduct(inv_m_.cast<scalar_of<S>>());
  }
  /// Fused drift q += a·p/m (one pass).
  template <state_vector S>
  void drift(S& q, const S& p, scalar_of<S> a) const {
    q.array() += a * p.array() * inv_m_.cast<scalar_of<S>>().array();
  }
  template <state_vector S>
  S potential_grad(const S& q) const {
    check_size("potential_grad", q);
    S out;
    potential_grad(q, out);
    return out;
  }
  template <state_vector S>
  S kinetic_grad(const S& p) const {
    check_size("kinetic_grad", p);
    S out;
    kinetic_grad(p, out);
    return out;
  }
  template <state_vector S>
  S dh_dq(const S& q, const S& /*p*/) const {
    return potential_grad(q);
  }
  template <state_vector S>
  S dh_dp(const S& /*q*/, const S& p) const {
    return kinetic_grad(p);
  }

  /// The exact flow at time t from (q0, p0).
  template <state_vector S>
  std::pair<S, S> exact(const S& q0, const S& p0, double t) const {
    using T = scalar_of<S>;
    check_size("exact", q0);
    check_size("exact", p0);
    S q(q0.size()), p(p0.size());
    for (Eigen::Index i = 0; i < q0.size(); ++i) {
      const double w = std::sqrt(k_(i) / m_(i)), c = std::cos(w * t), s = std::sin(w * t);
      q(i) = q0(i) * T(c) + p0(i) * T(s / (m_(i) * w));
      p(i) = p0(i) * T(c) - q0(i) * T(s * m_(i) * w);
    }
    return {std::move(q), std::move(p)};
  }

private:
  template <class S>
  void check_size(const char* fn, const S& x) const {
    HAMGEN_CHECK_SHAPE(x.size() == k_.size(), "uncoupled_oscillators::", fn, ": state has ", x.size(),
                       " elements, the system has ", k_.size(), " oscillators");
  }
  Eigen::VectorXd k_, m_, inv_m_;
};

} // namespace hamgen::ham
