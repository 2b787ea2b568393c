// hamgen/integrate/splitting.hpp
//
// Represents: ONE generic explicit splitting stepper, splitting<Method>, for separable
//             H = T(p) + V(q), driven by a compile-time tableau (hamgen/integrate/tableau.hpp), and the
//             named methods as aliases:
//               symplectic_euler_kd  kick(1) drift(1)                      order 1  (Hairer–Lubich–Wanner
//               VI.3) symplectic_euler_dk  drift(1) kick(1)                      order 1  (the adjoint
//               method) leapfrog_kdk         kick(½) drift(1) kick(½)              order 2  velocity Verlet
//               leapfrog_dkd         drift(½) kick(1) drift(½)             order 2  position Verlet
//               yoshida4             triple_jump(leapfrog_kdk)             order 4  Yoshida 1990 /
//               Forest–Ruth 1990 yoshida6             triple_jump(yoshida4)                 order 6  Yoshida
//               1990 yoshida8             triple_jump(yoshida6)                 order 8  Yoshida 1990
//               (triple-jump) mclachlan4           6-stage SB3A, a1 = 0.40518861839525227722, a2 =
//               −0.28714404081652408900,
//                                    b1 = −3/73, b2 = 17/59              order 4  McLachlan 1995, SIAM J.
//                                    Sci. Comput. 16:151 (as in Boost.Odeint's symplectic_rkn_sb3a_mclachlan)
//               blanes_moan4         6-stage S6 (Blanes & Moan 2002, J. Comput. Appl. Math. 142:313,
//                                    Table 2 "S6")                        order 4
//             aliases leapfrog = stormer_verlet = velocity_verlet = leapfrog_kdk,
//             forest_ruth = yoshida4, symplectic_euler = symplectic_euler_kd.
// Requires:   a ham::separable_hamiltonian<H, S> (static_assert names the concept and the method).
// Ensures:    step(h, q, p, dt) applies the stages in order. First-same-as-last: the force ∇V(q) is kept
//             in the per-trajectory cache from the last kick of one step to the first kick of the next
//             (q has not moved in between), so leapfrog_kdk costs ONE force evaluation per step after
//             the first inside integrate_*/rollout (yoshida4: 3, yoshida6: 9, yoshida8: 27).
//             No allocation per step for fixed-size states, or for dynamic states when the system has
//             in-place gradient overloads (the cache's vectors are sized once).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>
#include <hamgen/integrate/stepper.hpp>
#include <hamgen/integrate/tableau.hpp>

#include <cstddef>
#include <utility>

namespace hamgen::integrate {

/// Per-trajectory scratch of a splitting stepper: the last force ∇V(q) and whether it is current.
template <class S>
struct splitting_cache {
  S force;
  S velocity;
  bool force_valid = false;
  void reset() { force_valid = false; }
};

/// The generic splitting stepper over Method::table.
template <class Method>
class splitting {
public:
  using method = Method;
  static constexpr auto table = Method::table;
  static constexpr int order = table.order;
  static constexpr bool symmetric = table.symmetric;
  static constexpr const char* name = Method::name;
  template <class S>
  using cache = splitting_cache<S>;

  static_assert(consistent(table), "hamgen::integrate::splitting: the kick and drift coefficients of the "
                                   "method's tableau must each sum to 1");
  static_assert(!table.symmetric || palindromic(table),
                "hamgen::integrate::splitting: a tableau marked symmetric must be palindromic");

  /// One step with all inputs checked (q, p sizes; finite dt, q, p).
  template <class H, class S>
  void step(const H& h, S& q, S& p, double dt) const {
    static_assert(ham::separable_hamiltonian<H, S>,
                  "hamgen::integrate::splitting: the system does not model "
                  "hamgen::ham::separable_hamiltonian<H, S> (energy, dh_dq, dh_dp, kinetic_grad(p), "
                  "potential_grad(q)); use implicit_midpoint, tao or rk4 for non-separable H");
    detail::check_step_input(name, "step", q, p, dt, true);
    cache<S> c;
    step_unchecked(h, q, p, dt, c);
  }

  /// One step reusing the force in `c` when it is current (first-same-as-last).
  template <class H, class S>
  void step(const H& h, S& q, S& p, double dt, cache<S>& c) const {
    static_assert(ham::separable_hamiltonian<H, S>,
                  "hamgen::integrate::splitting: the system does not model "
                  "hamgen::ham::separable_hamiltonian<H, S> (energy, dh_dq, dh_dp, kinetic_grad(p), "
                  "potential_grad(q)); use implicit_midpoint, tao or rk4 for non-separable H");
    detail::check_step_input(name, "step", q, p, dt, false);
    step_unchecked(h, q, p, dt, c);
  }

  /// The step itself; no checks. Stages are unrolled at compile time.
  template <class H, class S>
  static void step_unchecked(const H& h, S& q, S& p, double dt, cache<S>& c) {
    apply_stages(h, q, p, dt, c, std::make_index_sequence<table.size>{});
  }

  /// n steps at once, merging the last stage of each step with the first stage of the next when
  /// they are of the same kind (leapfrog_kdk: kick(½)·kick(½) = kick(1), so a step costs one force
  /// evaluation, one kick and one drift). Intermediate states are not formed; the final state equals
  /// n calls of step() up to round-off. Used by integrate_n_steps/integrate_const without observer.
  template <class H, class S>
  static void step_n(const H& h, S& q, S& p, double dt, std::size_t n, cache<S>& c) {
    constexpr std::size_t N = table.size;
    if constexpr (N >= 2 && table.front().kind == table.back().kind) {
      if (n == 0) return;
      apply_stage_c<0>(h, q, p, table.front().c * dt, c);
      for (std::size_t k = 0; k + 1 < n; ++k) {
        apply_inner(h, q, p, dt, c, std::make_index_sequence<N - 2>{});
        apply_stage_c<N - 1>(h, q, p, (table.back().c + table.front().c) * dt, c);
      }
      apply_inner(h, q, p, dt, c, std::make_index_sequence<N - 2>{});
      apply_stage_c<N - 1>(h, q, p, table.back().c * dt, c);
    } else {
      for (std::size_t k = 0; k < n; ++k) step_unchecked(h, q, p, dt, c);
    }
  }

private:
  template <std::size_t I, class H, class S>
  static inline void apply_stage(const H& h, S& q, S& p, double dt, cache<S>& c) {
    using T = ham::scalar_of<S>;
    constexpr stage st = table.stages[I];
    if constexpr (st.kind == stage_kind::kick) {
      if (!c.force_valid) {
        ham::detail::potential_grad_into(h, q, c.force);
        c.force_valid = true;
      }
      p.noalias() -= T(st.c * dt) * c.force;
    } else {
      ham::detail::drift(h, q, p, T(st.c * dt), c.velocity);
      c.force_valid = false;
    }
  }
  // Stage I with coefficient c (used for the merged boundary stage of step_n).
  template <std::size_t I, class H, class S>
  static inline void apply_stage_c(const H& h, S& q, S& p, double cdt, cache<S>& c) {
    using T = ham::scalar_of<S>;
    if constexpr (table.stages[I].kind == stage_kind::kick) {
      if (!c.force_valid) {
        ham::detail::potential_grad_into(h, q, c.force);
        c.force_valid = true;
      }
      p.noalias() -= T(cdt) * c.force;
    } else {
      ham::detail::drift(h, q, p, T(cdt), c.velocity);
      c.force_valid = false;
    }
  }
  template <class H, class S, std::size_t... I>
  static inline void apply_inner(const H& h, S& q, S& p, double dt, cache<S>& c, std::index_sequence<I...>) {
    (apply_stage<I + 1>(h, q, p, dt, c), ...);
  }
  template <class H, class S, std::size_t... I>
  static inline void apply_stages(const H& h, S& q, S& p, double dt, cache<S>& c, std::index_sequence<I...>) {
    (apply_stage<I>(h, q, p, dt, c), ...);
  }
};

using symplectic_euler_kd = splitting<methods::symplectic_euler_kd>;
using symplectic_euler_dk = splitting<methods::symplectic_euler_dk>;
using symplectic_euler = symplectic_euler_kd;
using leapfrog_kdk = splitting<methods::leapfrog_kdk>;
using leapfrog_dkd = splitting<methods::leapfrog_dkd>;
using leapfrog = leapfrog_kdk;
using stormer_verlet = leapfrog_kdk;
using velocity_verlet = leapfrog_kdk;
using yoshida4 = splitting<methods::yoshida4>;
using forest_ruth = yoshida4;
using yoshida6 = splitting<methods::yoshida6>;
using yoshida8 = splitting<methods::yoshida8>;
using mclachlan4 = splitting<methods::mclachlan4>;
using blanes_moan4 = splitting<methods::blanes_moan4>;

} // namespace hamgen::integrate
