// hamgen/integrate/stepper.hpp
//
// Represents: what every hamgen time stepper provides, and the input checks they share.
//             A stepper St for system H and state S has
//               St::order                          the classical order (int)
//               St::name                           "leapfrog", "rk4", ... (used in error messages)
//               st.step(h, q, p, dt)               one step in place, all inputs checked
//               St::cache<S>                       per-trajectory scratch (force reuse, Tao's copies)
//               st.step(h, q, p, dt, cache)        one step reusing/updating `cache`; only sizes
//                                                  and dt are checked (the integrate loops use this)
//             dt and times are double for every scalar type (float states cast dt per stage).
// Requires:   ham::state_vector S.
// Ensures:    concept stepper_for<St, H, S>; detail::check_step_input throws shape_error when q and p
//             differ in size and value_error for a non-finite dt or state, naming the component and
//             the values ("leapfrog::step: q has 3 elements, p has 4").
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>

#include <cmath>
#include <concepts>

namespace hamgen::integrate {

template <class St, class H, class S>
concept stepper_for = ham::state_vector<S> &&
    requires(const St& st, const H& h, S& q, S& p, double dt, typename St::template cache<S>& c) {
  { St::order } -> std::convertible_to<int>;
  { St::name } -> std::convertible_to<const char*>;
  st.step(h, q, p, dt);
  st.step(h, q, p, dt, c);
};

namespace detail {

template <class S>
inline void check_finite_state(const char* component, const char* what, const S& x) {
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if (!std::isfinite(static_cast<double>(x(i))))
      throw value_error(hamgen::detail::concat(component, ": ", what, "[", i, "] is not finite (",
                                               static_cast<double>(x(i)), ")"));
}

/// Size and dt checks (O(1)); with `state` also the finiteness of every element of q and p (O(n)).
template <class S>
inline void check_step_input(const char* name, const char* fn, const S& q, const S& p, double dt,
                             bool state) {
  if (q.size() != p.size())
    throw shape_error(
        hamgen::detail::concat(name, "::", fn, ": q has ", q.size(), " elements, p has ", p.size()));
  if (!std::isfinite(dt))
    throw value_error(hamgen::detail::concat(name, "::", fn, ": dt is not finite (", dt, ")"));
  if (state) {
    const std::string comp = hamgen::detail::concat(name, "::", fn);
    check_finite_state(comp.c_str(), "q", q);
    check_finite_state(comp.c_str(), "p", p);
  }
}

/// The cacheless step(h, q, p, dt) of a stepper that keeps a cache (CRTP base): checks the state,
/// then runs Derived's cached step with a fresh cache. Derived adds `using step_without_cache::step;`.
template <class Derived>
struct step_without_cache {
  template <class H, class S>
  void step(const H& h, S& q, S& p, double dt) const {
    check_step_input(Derived::name, "step", q, p, dt, true);
    typename Derived::template cache<S> c;
    static_cast<const Derived&>(*this).step(h, q, p, dt, c);
  }
};

} // namespace detail
} // namespace hamgen::integrate
