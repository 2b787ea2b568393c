// hamgen/hamiltonian/systems/n_body.hpp
//
// Represents: N point masses in the plane under Newtonian gravity,
//               H(q, p) = Σ_i |p_i|² / (2 m_i) − Σ_{i<j} g m_i m_j / |q_i − q_j|,
//             with q = (x1, y1, x2, y2, …) and p = (px1, py1, px2, py2, …) (2N elements each).
// Requires:   q, p with 2N elements (shape_error otherwise); masses and g positive; bodies never
//             collide (the potential is singular at q_i = q_j).
// Ensures:    a separable_hamiltonian. two_body.hpp and three_body.hpp name N = 2, 3 and give initial
//             states with known solutions. The planar layout and H match the DeepMind Hamiltonian
//             Dynamics Suite `two_body` (Botev et al. 2021; /work/shared/reference/datasets.md §4.4).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>

#include <array>
#include <cmath>
#include <cstddef>

namespace hamgen::ham {

template <std::size_t N>
struct planar_n_body {
  static_assert(N >= 2, "hamgen::ham::planar_n_body: needs at least two bodies");
  static constexpr std::size_t bodies = N;
  static constexpr int dof = static_cast<int>(2 * N);

  std::array<double, N> m = filled(1.0); ///< masses
  double g = 1.0;                        ///< gravitational constant

  void validate() const {
    for (std::size_t i = 0; i < N; ++i)
      HAMGEN_CHECK(m[i] > 0 && std::isfinite(m[i]), "planar_n_body: mass ", i, " must be positive (", m[i],
                   ")");
    HAMGEN_CHECK(g > 0 && std::isfinite(g), "planar_n_body: g must be positive (", g, ")");
  }

  template <state_vector S>
  scalar_of<S> energy(const S& q, const S& p) const {
    using T = scalar_of<S>;
    using std::sqrt;
    check_size("energy", q);
    check_size("energy", p);
    T e(0);
    for (std::size_t i = 0; i < N; ++i) {
      const auto a = static_cast<Eigen::Index>(2 * i);
      e += (p(a) * p(a) + p(a + 1) * p(a + 1)) / T(2 * m[i]);
      for (std::size_t j = i + 1; j < N; ++j) {
        const auto b = static_cast<Eigen::Index>(2 * j);
        const T dx = q(a) - q(b), dy = q(a + 1) - q(b + 1);
        e -= T(g * m[i] * m[j]) / sqrt(dx * dx + dy * dy);
      }
    }
    return e;
  }
  template <state_vector S>
  void potential_grad(const S& q, S& out) const {
    using T = scalar_of<S>;
    using std::sqrt;
    check_size("potential_grad", q);
    out.resize(q.size());
    out.setZero();
    for (std::size_t i = 0; i < N; ++i) {
      const auto a = static_cast<Eigen::Index>(2 * i);
      for (std::size_t j = i + 1; j < N; ++j) {
        const auto b = static_cast<Eigen::Index>(2 * j);
        const T dx = q(a) - q(b), dy = q(a + 1) - q(b + 1);
        const T r2 = dx * dx + dy * dy;
        const T f = T(g * m[i] * m[j]) / (r2 * sqrt(r2));
        out(a) += f * dx;
        out(a + 1) += f * dy;
        out(b) -= f * dx;
        out(b + 1) -= f * dy;
      }
    }
  }
  template <state_vector S>
  S potential_grad(const S& q) const {
    S out;
    potential_grad(q, out);
    return out;
  }
  template <state_vector S>
  void kinetic_grad(const S& p, S& out) const {
    using T = scalar_of<S>;
    check_size("kinetic_grad", p);
    out.resize(p.size());
    for (std::size_t i = 0; i < N; ++i) {
      const auto a = static_cast<Eigen::Index>(2 * i);
      const T inv = T(1.0 / m[i]);
      out(a) = p(a) * inv;
      out(a + 1) = p(a + 1) * inv;
    }
  }
  template <state_vector S>
  S kinetic_grad(const S& p) const {
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

  /// Total linear momentum (Σ px, Σ py), conserved by the flow and by every splitting method.
  template <state_vector S>
  Eigen::Vector<scalar_of<S>, 2> momentum(const S& p) const {
    Eigen::Vector<scalar_of<S>, 2> P = Eigen::Vector<scalar_of<S>, 2>::Zero();
    for (std::size_t i = 0; i < N; ++i) {
      P(0) += p(static_cast<Eigen::Index>(2 * i));
      P(1) += p(static_cast<Eigen::Index>(2 * i + 1));
    }
    return P;
  }
  /// Total angular momentum Σ (x py − y px), conserved.
  template <state_vector S>
  scalar_of<S> angular_momentum(const S& q, const S& p) const {
    scalar_of<S> L(0);
    for (std::size_t i = 0; i < N; ++i) {
      const auto a = static_cast<Eigen::Index>(2 * i);
      L += q(a) * p(a + 1) - q(a + 1) * p(a);
    }
    return L;
  }

private:
  static constexpr std::array<double, N> filled(double v) {
    std::array<double, N> a{};
    for (auto& x : a) x = v;
    return a;
  }
  template <class S>
  static void check_size(const char* fn, const S& x) {
    HAMGEN_CHECK_SHAPE(x.size() == static_cast<Eigen::Index>(2 * N), "planar_n_body<", N, ">::", fn,
                       ": state has ", x.size(), " elements, expected ", 2 * N);
  }
};

} // namespace hamgen::ham
