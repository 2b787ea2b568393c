// hamgen/integrate/integrate.hpp
//
// Represents: the integration algorithms over any stepper and any system (Boost.Odeint's design):
//               integrate_n_steps(st, h, q, p, t0, dt, n, observer)   n steps of size dt
//               integrate_const(st, h, q, p, t0, t1, dt, observer)    the steps of size dt that fit
//                                                                     into [t0, t1] (no partial step)
//               rollout(st, h, q0, p0, dt, n, t0 = 0)                 the trajectory as matrices
//               integrate_batch(st, h, Q, P, dt, n)                   a batch of trajectories
//               rollout_batch(st, h, Q0, P0, dt, n)                   the batch trajectory
//             The observer is called as observer(q, p, t) at t0 and after every step.
// Requires:   a stepper (hamgen/integrate/stepper.hpp) for (H, S); q and p of equal size and finite;
//             dt finite and non-zero; t1 − t0 of the same sign as dt.
// Ensures:    one per-trajectory stepper cache across all steps, so splitting methods reuse the last
//             force (leapfrog: one force evaluation per step after the first). Without an observer
//             (and in integrate_batch) a splitting stepper also merges the last stage of each step with
//             the first of the next (St::step_n): the result equals stepping one by one up to
//             round-off (not bit for bit). Return the number of
//             steps taken. Batch layout: Q and P are batch × dof matrices (one trajectory per row,
//             contiguous; row-major for dof > 1: batch_matrix<T, Dof>); every row is stepped with the
//             state type Eigen::Vector<T, Dof> (fixed-size when Dof is). rollout_batch returns
//             batch × ((n+1)·dof) matrices: row b holds trajectory b, time-major (q(b, k·dof + j)).
//             Bad input throws shape_error / value_error naming the function and the values.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/hamiltonian/concepts.hpp>
#include <hamgen/integrate/stepper.hpp>

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace hamgen::integrate {

/// The observer that observes nothing.
struct no_observer {
  template <class... A>
  void operator()(const A&...) const noexcept {}
};

namespace detail {

template <class St, class H, class S, class Obs>
std::size_t run_steps(const char* fn, const St& st, const H& h, S& q, S& p, double t0, double dt,
                      std::size_t n, Obs& obs) {
  check_step_input(St::name, fn, q, p, dt, true);
  HAMGEN_CHECK(std::isfinite(t0), fn, ": t0 is not finite (", t0, ")");
  typename St::template cache<S> c{};
  if constexpr (std::is_same_v<Obs, no_observer> && requires { St::step_n(h, q, p, dt, n, c); }) {
    St::step_n(h, q, p, dt, n, c); // nobody looks at the intermediate states: merge boundary stages
    return n;
  }
  obs(static_cast<const S&>(q), static_cast<const S&>(p), t0);
  for (std::size_t k = 1; k <= n; ++k) {
    st.step(h, q, p, dt, c);
    obs(static_cast<const S&>(q), static_cast<const S&>(p), t0 + static_cast<double>(k) * dt);
  }
  return n;
}

} // namespace detail

/// n steps of size dt from time t0; returns n.
template <class St, class H, class S, class Obs = no_observer>
std::size_t integrate_n_steps(const St& st, const H& h, S& q, S& p, double t0, double dt, std::size_t n,
                              Obs observer = {}) {
  static_assert(ham::state_vector<S>, "hamgen::integrate::integrate_n_steps: q and p must be plain Eigen "
                                      "column vectors (Eigen::Vector<T, N> or Eigen::VectorX<T>)");
  HAMGEN_CHECK(dt != 0, "integrate_n_steps: dt must be non-zero (dt = ", dt, ")");
  return detail::run_steps("integrate_n_steps", st, h, q, p, t0, dt, n, observer);
}

/// Steps of size dt from t0 while t0 + k·dt does not pass t1 (up to a relative 1e-9 of dt); returns
/// the number of steps.
template <class St, class H, class S, class Obs = no_observer>
std::size_t integrate_const(const St& st, const H& h, S& q, S& p, double t0, double t1, double dt,
                            Obs observer = {}) {
  static_assert(ham::state_vector<S>, "hamgen::integrate::integrate_const: q and p must be plain Eigen "
                                      "column vectors (Eigen::Vector<T, N> or Eigen::VectorX<T>)");
  HAMGEN_CHECK(std::isfinite(t0) && std::isfinite(t1), "integrate_const: t0 = ", t0, " and t1 = ", t1,
               " must be finite");
  HAMGEN_CHECK(std::isfinite(dt) && dt != 0, "integrate_const: dt must be finite and non-zero (dt = ", dt,
               ")");
  const double span = (t1 - t0) / dt;
  HAMGEN_CHECK(span >= -1e-9, "integrate_const: dt = ", dt, " points away from t1 (t0 = ", t0, ", t1 = ", t1,
               ")");
  const auto n = static_cast<std::size_t>(std::floor(span + 1e-9));
  return detail::run_steps("integrate_const", st, h, q, p, t0, dt, n, observer);
}

/// A trajectory: rows are times t0, t0 + dt, …; q and p are (n+1) × dof.
template <class T>
struct trajectory {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> q, p;
  Eigen::VectorXd t;
};

/// n steps from (q0, p0); returns every state including the first.
template <class St, class H, class S>
trajectory<ham::scalar_of<S>> rollout(const St& st, const H& h, const S& q0, const S& p0, double dt,
                                      std::size_t n, double t0 = 0.0) {
  static_assert(ham::state_vector<S>, "hamgen::integrate::rollout: q0 and p0 must be plain Eigen column "
                                      "vectors (Eigen::Vector<T, N> or Eigen::VectorX<T>)");
  HAMGEN_CHECK(dt != 0, "rollout: dt must be non-zero (dt = ", dt, ")");
  trajectory<ham::scalar_of<S>> out;
  const auto rows = static_cast<Eigen::Index>(n + 1);
  out.q.resize(rows, q0.size());
  out.p.resize(rows, q0.size());
  out.t.resize(rows);
  S q = q0, p = p0;
  Eigen::Index k = 0;
  auto record = [&](const S& qq, const S& pp, double t) {
    for (Eigen::Index j = 0; j < qq.size(); ++j) { // element loop: g++ 12 misreports packet copies here
      out.q(k, j) = qq(j);
      out.p(k, j) = pp(j);
    }
    out.t(k) = t;
    ++k;
  };
  detail::run_steps("rollout", st, h, q, p, t0, dt, n, record);
  return out;
}

/// batch × dof storage, one trajectory per row (row-major for dof > 1).
template <class T, int Dof = Eigen::Dynamic>
using batch_matrix = Eigen::Matrix<T, Eigen::Dynamic, Dof, (Dof == 1 ? Eigen::ColMajor : Eigen::RowMajor)>;

namespace detail {
template <class M>
void check_batch(const char* fn, const M& Q, const M& P, double dt) {
  HAMGEN_CHECK_SHAPE(Q.rows() == P.rows() && Q.cols() == P.cols(), fn, ": Q is ", Q.rows(), "x", Q.cols(),
                     ", P is ", P.rows(), "x", P.cols());
  HAMGEN_CHECK(std::isfinite(dt) && dt != 0, fn, ": dt must be finite and non-zero (dt = ", dt, ")");
  for (Eigen::Index b = 0; b < Q.rows(); ++b)
    for (Eigen::Index j = 0; j < Q.cols(); ++j)
      if (!std::isfinite(static_cast<double>(Q(b, j))) || !std::isfinite(static_cast<double>(P(b, j))))
        throw value_error(hamgen::detail::concat(fn, ": state of trajectory ", b, " is not finite (q[", j,
                                                 "] = ", static_cast<double>(Q(b, j)), ", p[", j,
                                                 "] = ", static_cast<double>(P(b, j)), ")"));
}
template <class M, class S>
void load_row(const M& Q, const M& P, Eigen::Index b, S& q, S& p) {
  for (Eigen::Index j = 0; j < Q.cols(); ++j) {
    q(j) = Q(b, j);
    p(j) = P(b, j);
  }
}
} // namespace detail

/// Steps every trajectory (row) of the batch n times with step dt, in place.
template <class St, class H, class T, int Dof, int Options>
void integrate_batch(const St& st, const H& h, Eigen::Matrix<T, Eigen::Dynamic, Dof, Options>& Q,
                     Eigen::Matrix<T, Eigen::Dynamic, Dof, Options>& P, double dt, std::size_t n) {
  using S = Eigen::Vector<T, Dof>;
  detail::check_batch("integrate_batch", Q, P, dt);
  typename St::template cache<S> c{};
  S q(Q.cols()), p(P.cols());
  for (Eigen::Index b = 0; b < Q.rows(); ++b) {
    detail::load_row(Q, P, b, q, p);
    c.reset();
    if constexpr (requires { St::step_n(h, q, p, dt, n, c); })
      St::step_n(h, q, p, dt, n, c);
    else
      for (std::size_t k = 0; k < n; ++k) st.step(h, q, p, dt, c);
    for (Eigen::Index j = 0; j < Q.cols(); ++j) {
      Q(b, j) = q(j);
      P(b, j) = p(j);
    }
  }
}

/// The batch trajectory: q and p are batch × ((n+1)·dof), row b = trajectory b, time-major.
template <class T>
struct batch_trajectory {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> q, p;
  Eigen::Index dof = 0;
  std::size_t steps = 0;
};

template <class St, class H, class T, int Dof, int Options>
batch_trajectory<T>
rollout_batch(const St& st, const H& h, const Eigen::Matrix<T, Eigen::Dynamic, Dof, Options>& Q0,
              const Eigen::Matrix<T, Eigen::Dynamic, Dof, Options>& P0, double dt, std::size_t n) {
  using S = Eigen::Vector<T, Dof>;
  detail::check_batch("rollout_batch", Q0, P0, dt);
  const Eigen::Index d = Q0.cols();
  batch_trajectory<T> out;
  out.dof = d;
  out.steps = n;
  out.q.resize(Q0.rows(), static_cast<Eigen::Index>(n + 1) * d);
  out.p.resize(Q0.rows(), static_cast<Eigen::Index>(n + 1) * d);
  typename St::template cache<S> c{};
  S q(d), p(d);
  for (Eigen::Index b = 0; b < Q0.rows(); ++b) {
    detail::load_row(Q0, P0, b, q, p);
    c.reset();
    for (std::size_t k = 0; k <= n; ++k) {
      if (k > 0) st.step(h, q, p, dt, c);
      const Eigen::Index off = static_cast<Eigen::Index>(k) * d;
      for (Eigen::Index j = 0; j < d; ++j) {
        out.q(b, off + j) = q(j);
        out.p(b, off + j) = p(j);
      }
    }
  }
  return out;
}

} // namespace hamgen::integrate
