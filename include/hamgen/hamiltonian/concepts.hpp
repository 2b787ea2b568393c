// hamgen/hamiltonian/concepts.hpp
//
// Represents: what hamgen calls a Hamiltonian system H(q, p) on a state of two equally sized Eigen
//             column vectors q (positions) and p (momenta), and the separable refinement
//             H(q, p) = T(p) + V(q) that explicit splitting methods need.
// Requires:   Eigen 3.4. A state type S is a plain Eigen column vector (fixed-size Eigen::Vector<T, N>
//             or dynamic Eigen::VectorX<T>) whose scalar is float, double, or any scalar type with
//             the usual arithmetic and an explicit conversion to double (e.g. a forward-mode dual).
// Ensures:    concept state_vector<S>;
//             concept hamiltonian<H, S>: const members
//               h.energy(q, p)  -> convertible to S::Scalar     H(q, p)
//               h.dh_dq(q, p)   -> convertible to S             ∂H/∂q  (= -dp/dt)
//               h.dh_dp(q, p)   -> convertible to S             ∂H/∂p  (=  dq/dt)
//             concept separable_hamiltonian<H, S>: a hamiltonian that also has
//               h.kinetic_grad(p)   -> convertible to S         ∇T(p)
//               h.potential_grad(q) -> convertible to S         ∇V(q)
//             Each requirement is a separate clause, so g++ names the missing expression
//             ("the required expression 'h.potential_grad(q)' is invalid").
//             ham::separable{.kinetic_grad = f, .potential_grad = g, .energy = e} builds a separable
//             Hamiltonian from three lambdas; ham::separable_base<Derived> is a CRTP base that derives
//             dh_dq/dh_dp from kinetic_grad/potential_grad for hand-written structs.
//             Optional in-place overloads h.kinetic_grad(p, out) / h.potential_grad(q, out) are used by
//             the steppers when present (no allocation per force evaluation for dynamic states), and
//             the optional fused drift h.drift(q, p, a) (q += a·∇T(p) in one pass, a of the scalar
//             type) replaces "velocity = ∇T(p); q += a·velocity" when present.
// Source:     the design follows Boost.Odeint's "Symplectic System" concept, expressed on the
//             Hamiltonian (Hairer, Lubich & Wanner, Geometric Numerical Integration, 2nd ed., ch. VI).
#pragma once

#include <Eigen/Core>

#include <concepts>
#include <type_traits>
#include <utility>

namespace hamgen::ham {

/// A plain Eigen column vector (fixed-size or dynamic): the type of q and of p.
template <class S>
concept state_vector = std::derived_from<S, Eigen::MatrixBase<S>> &&(S::ColsAtCompileTime == 1) &&
                       std::same_as<S, typename S::PlainObject>;

/// The scalar type of a state vector.
template <class S>
using scalar_of = typename S::Scalar;

/// H(q, p) with its two partial gradients.
template <class H, class S>
concept hamiltonian = state_vector<S> && requires(const H& h, const S& q, const S& p) {
  { h.energy(q, p) } -> std::convertible_to<scalar_of<S>>;
  { h.dh_dq(q, p) } -> std::convertible_to<S>;
  { h.dh_dp(q, p) } -> std::convertible_to<S>;
};

/// H(q, p) = T(p) + V(q): a hamiltonian whose gradients split into ∇T(p) and ∇V(q).
template <class H, class S>
concept separable_hamiltonian = hamiltonian<H, S> && requires(const H& h, const S& q, const S& p) {
  { h.kinetic_grad(p) } -> std::convertible_to<S>;
  { h.potential_grad(q) } -> std::convertible_to<S>;
};

/// CRTP base for a hand-written separable system: write energy, kinetic_grad and potential_grad,
/// inherit dh_dq(q, p) = ∇V(q) and dh_dp(q, p) = ∇T(p).
template <class Derived>
struct separable_base {
  template <state_vector S>
  S dh_dq(const S& q, const S& /*p*/) const {
    return static_cast<const Derived&>(*this).potential_grad(q);
  }
  template <state_vector S>
  S dh_dp(const S& /*q*/, const S& p) const {
    return static_cast<const Derived&>(*this).kinetic_grad(p);
  }
};

/// A separable Hamiltonian made of three callables (typically generic lambdas):
///   ham::separable h{.kinetic_grad   = [](const auto& p) { return p; },
///                    .potential_grad = [](const auto& q) { return q; },
///                    .energy         = [](const auto& q, const auto& p) { return 0.5 * (q.squaredNorm()
///                                                                         + p.squaredNorm()); }};
template <class KineticGrad, class PotentialGrad, class Energy>
struct separable {
  KineticGrad kinetic_grad;
  PotentialGrad potential_grad;
  Energy energy;

  template <state_vector S>
  S dh_dq(const S& q, const S& /*p*/) const {
    return potential_grad(q);
  }
  template <state_vector S>
  S dh_dp(const S& /*q*/, const S& p) const {
    return kinetic_grad(p);
  }
};
template <class K, class P, class E>
separable(K, P, E) -> separable<K, P, E>;

namespace detail {

/// out = ∇V(q), using the in-place overload when the system provides one.
template <class H, class S>
inline void potential_grad_into(const H& h, const S& q, S& out) {
  if constexpr (requires { h.potential_grad(q, out); })
    h.potential_grad(q, out);
  else
    out = h.potential_grad(q);
}

/// out = ∇T(p), using the in-place overload when the system provides one.
template <class H, class S>
inline void kinetic_grad_into(const H& h, const S& p, S& out) {
  if constexpr (requires { h.kinetic_grad(p, out); })
    h.kinetic_grad(p, out);
  else
    out = h.kinetic_grad(p);
}

/// q += a·∇T(p), fused when the system provides h.drift(q, p, a); `velocity` is scratch otherwise.
template <class H, class S>
inline void drift(const H& h, S& q, const S& p, scalar_of<S> a, S& velocity) {
  if constexpr (requires { h.drift(q, p, a); }) {
    h.drift(q, p, a);
  } else {
    kinetic_grad_into(h, p, velocity);
    q.noalias() += a * velocity;
  }
}

} // namespace detail
} // namespace hamgen::ham
