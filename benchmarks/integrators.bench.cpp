// Integrator microbenchmarks: time per step per trajectory of hamgen's splitting steppers against a
// hand-written loop and Boost.Odeint's symplectic steppers, in one binary.
//   system=osc,      n = 1, 64, 4096: ONE trajectory of n uncoupled oscillators (k_i from spread(n), m = 1)
//   system=pendulum, n = 1, 4096:     n independent pendulums (m = 0.5, g = 3, l = 1); n > 1 uses
//                                     hamgen's batch API (batch_matrix<double, 1>)
// Implementations: impl=hamgen (integrate_n_steps / integrate_batch), impl=hand (textbook loops
// written out per method: one loop per stage with a force array reused from the last kick; for
// mclachlan4 a loop over the stage table), impl=hand_fused (oscillators only:
// all stages of a step fused per element; the best case a generic stepper cannot reach),
// impl=odeint (velocity_verlet for leapfrog, symplectic_rkn_sb3a_mclachlan for mclachlan4).
// Counter ns_per_step = wall time / (steps × trajectories). Run:
//   build/benchmarks/bench_integrators --benchmark_min_time=0.2 --benchmark_format=json > integrators.json
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/uncoupled_oscillators.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/splitting.hpp>

#include <benchmark/benchmark.h>

#if defined(HAMGEN_HAVE_BOOST)
#include <boost/numeric/odeint/stepper/symplectic_rkn_sb3a_mclachlan.hpp>
#include <boost/numeric/odeint/stepper/velocity_verlet.hpp>
#endif

#include <cmath>
#include <string>
#include <vector>

namespace integ = hamgen::integrate;
namespace ham = hamgen::ham;

namespace {

constexpr double dt = 0.01;

std::size_t steps_for(std::size_t work) {
  return std::max<std::size_t>(4, 200000 / std::max<std::size_t>(1, work));
}

void set_counter(benchmark::State& state, std::size_t steps, std::size_t trajectories) {
  state.counters["ns_per_step"] =
      benchmark::Counter(static_cast<double>(steps * trajectories) * 1e-9,
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---- oscillators ------------------------------------------------------------------------------

template <int N, class Stepper>
void osc_hamgen(benchmark::State& state, Stepper st, std::size_t n) {
  using S = Eigen::Matrix<double, N, 1>;
  const auto h = ham::uncoupled_oscillators::spread(static_cast<Eigen::Index>(n));
  S q = S::Constant(static_cast<Eigen::Index>(n), 1.0), p = S::Zero(static_cast<Eigen::Index>(n));
  const std::size_t steps = steps_for(n);
  for (auto _ : state) {
    integ::integrate_n_steps(st, h, q, p, 0.0, dt, steps);
    benchmark::DoNotOptimize(q.data());
    benchmark::DoNotOptimize(p.data());
  }
  set_counter(state, steps, 1);
}

struct osc_arrays {
  std::vector<double> q, p, f, k, minv;
  explicit osc_arrays(std::size_t n) : q(n, 1.0), p(n, 0.0), f(n, 0.0), k(n), minv(n, 1.0) {
    const auto h = ham::uncoupled_oscillators::spread(static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i) k[i] = h.k()(static_cast<Eigen::Index>(i));
  }
};

// Textbook splitting loop: stages = {kind, c}, a force array reused from the last kick.
void osc_hand_stages(benchmark::State& state, std::size_t n,
                     const std::vector<std::pair<bool, double>>& stages) {
  osc_arrays a(n);
  const std::size_t steps = steps_for(n);
  double* __restrict q = a.q.data();
  double* __restrict p = a.p.data();
  double* __restrict f = a.f.data();
  const double* __restrict k = a.k.data();
  const double* __restrict minv = a.minv.data();
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) f[i] = k[i] * q[i];
    for (std::size_t s = 0; s < steps; ++s) {
      bool fresh = true;
      for (const auto& [kick, c] : stages) {
        const double cd = c * dt;
        if (kick) {
          if (!fresh)
            for (std::size_t i = 0; i < n; ++i) f[i] = k[i] * q[i];
          fresh = true;
          for (std::size_t i = 0; i < n; ++i) p[i] -= cd * f[i];
        } else {
          for (std::size_t i = 0; i < n; ++i) q[i] += cd * p[i] * minv[i];
          fresh = false;
        }
      }
    }
    benchmark::DoNotOptimize(q);
    benchmark::DoNotOptimize(p);
  }
  set_counter(state, steps, 1);
}

// Yoshida (1990) 4th order from leapfrog: w1 = 1/(2 − 2^{1/3}), w0 = 1 − 2 w1.
const double y4_w1 = 1.0 / (2.0 - std::cbrt(2.0)), y4_w0 = 1.0 - 2.0 * y4_w1;

// Textbook velocity Verlet / Yoshida-4 written out by hand: one loop per stage, force array reused
// from the last kick (what one writes without a library).
template <bool Yoshida4>
void osc_hand(benchmark::State& state, std::size_t n) {
  osc_arrays a(n);
  const std::size_t steps = steps_for(n);
  double* __restrict q = a.q.data();
  double* __restrict p = a.p.data();
  double* __restrict f = a.f.data();
  const double* __restrict k = a.k.data();
  const double* __restrict minv = a.minv.data();
  auto kick = [&](double c) {
    for (std::size_t i = 0; i < n; ++i) p[i] -= c * dt * f[i];
  };
  auto drift = [&](double c) {
    for (std::size_t i = 0; i < n; ++i) q[i] += c * dt * p[i] * minv[i];
  };
  auto force = [&] {
    for (std::size_t i = 0; i < n; ++i) f[i] = k[i] * q[i];
  };
  for (auto _ : state) {
    force();
    for (std::size_t s = 0; s < steps; ++s) {
      if constexpr (Yoshida4) {
        kick(0.5 * y4_w1);
        drift(y4_w1);
        force();
        kick(0.5 * (y4_w1 + y4_w0));
        drift(y4_w0);
        force();
        kick(0.5 * (y4_w1 + y4_w0));
        drift(y4_w1);
        force();
        kick(0.5 * y4_w1);
      } else {
        kick(0.5);
        drift(1.0);
        force();
        kick(0.5);
      }
    }
    benchmark::DoNotOptimize(q);
    benchmark::DoNotOptimize(p);
  }
  set_counter(state, steps, 1);
}

std::vector<std::pair<bool, double>> stages_of(const auto& table) {
  std::vector<std::pair<bool, double>> out;
  for (const auto& s : table.stages) out.emplace_back(s.kind == integ::stage_kind::kick, s.c);
  return out;
}

// All stages of a leapfrog step fused per element (possible only because the oscillators are uncoupled).
void osc_hand_fused_leapfrog(benchmark::State& state, std::size_t n) {
  osc_arrays a(n);
  const std::size_t steps = steps_for(n);
  double* __restrict q = a.q.data();
  double* __restrict p = a.p.data();
  const double* __restrict k = a.k.data();
  const double* __restrict minv = a.minv.data();
  const double h = 0.5 * dt;
  for (auto _ : state) {
    for (std::size_t s = 0; s < steps; ++s)
      for (std::size_t i = 0; i < n; ++i) {
        double pi = p[i] - h * k[i] * q[i];
        const double qi = q[i] + dt * pi * minv[i];
        pi -= h * k[i] * qi;
        q[i] = qi;
        p[i] = pi;
      }
    benchmark::DoNotOptimize(q);
    benchmark::DoNotOptimize(p);
  }
  set_counter(state, steps, 1);
}

#if defined(HAMGEN_HAVE_BOOST)
void osc_odeint_verlet(benchmark::State& state, std::size_t n) {
  using state_t = std::vector<double>;
  osc_arrays a(n);
  boost::numeric::odeint::velocity_verlet<state_t> st;
  const std::vector<double>& k = a.k;
  auto acc = [&k](const state_t& x, const state_t&, state_t& out, double) {
    for (std::size_t i = 0; i < x.size(); ++i) out[i] = -k[i] * x[i];
  };
  const std::size_t steps = steps_for(n);
  double t = 0;
  for (auto _ : state) {
    for (std::size_t s = 0; s < steps; ++s, t += dt)
      st.do_step(acc, std::make_pair(std::ref(a.q), std::ref(a.p)), t, dt);
    benchmark::DoNotOptimize(a.q.data());
  }
  set_counter(state, steps, 1);
}

void osc_odeint_mclachlan(benchmark::State& state, std::size_t n) {
  using state_t = std::vector<double>;
  osc_arrays a(n);
  boost::numeric::odeint::symplectic_rkn_sb3a_mclachlan<state_t> st;
  const std::vector<double>& k = a.k;
  auto force = [&k](const state_t& x, state_t& dpdt) {
    for (std::size_t i = 0; i < x.size(); ++i) dpdt[i] = -k[i] * x[i];
  };
  const std::size_t steps = steps_for(n);
  double t = 0;
  for (auto _ : state) {
    for (std::size_t s = 0; s < steps; ++s, t += dt)
      st.do_step(force, std::make_pair(std::ref(a.q), std::ref(a.p)), t, dt);
    benchmark::DoNotOptimize(a.q.data());
  }
  set_counter(state, steps, 1);
}
#endif

// ---- pendulum ---------------------------------------------------------------------------------

const ham::pendulum pend{.m = 0.5, .g = 3.0, .l = 1.0};

template <class Stepper>
void pendulum_hamgen(benchmark::State& state, Stepper st, std::size_t n) {
  const std::size_t steps = steps_for(n * 8);
  if (n == 1) {
    Eigen::Vector<double, 1> q(1.0), p(0.0);
    for (auto _ : state) {
      integ::integrate_n_steps(st, pend, q, p, 0.0, dt, steps);
      benchmark::DoNotOptimize(q.data());
      benchmark::DoNotOptimize(p.data());
    }
  } else {
    integ::batch_matrix<double, 1> Q(static_cast<Eigen::Index>(n), 1), P(static_cast<Eigen::Index>(n), 1);
    for (std::size_t b = 0; b < n; ++b) {
      Q(static_cast<Eigen::Index>(b), 0) = 0.1 + 2.0 * double(b) / double(n);
      P(static_cast<Eigen::Index>(b), 0) = 0.0;
    }
    for (auto _ : state) {
      integ::integrate_batch(st, pend, Q, P, dt, steps);
      benchmark::DoNotOptimize(Q.data());
    }
  }
  set_counter(state, steps, n);
}

template <bool Yoshida4>
void pendulum_hand(benchmark::State& state, std::size_t n) {
  const std::size_t steps = steps_for(n * 8);
  std::vector<double> qs(n), ps(n, 0.0);
  for (std::size_t b = 0; b < n; ++b) qs[b] = n == 1 ? 1.0 : 0.1 + 2.0 * double(b) / double(n);
  const double mgl = pend.m * pend.g * pend.l, inv_ml2 = 1.0 / (pend.m * pend.l * pend.l);
  for (auto _ : state) {
    for (std::size_t b = 0; b < n; ++b) {
      double q = qs[b], p = ps[b], f = mgl * std::sin(q);
      for (std::size_t s = 0; s < steps; ++s) {
        if constexpr (Yoshida4) {
          p -= 0.5 * y4_w1 * dt * f;
          q += y4_w1 * dt * p * inv_ml2;
          f = mgl * std::sin(q);
          p -= 0.5 * (y4_w1 + y4_w0) * dt * f;
          q += y4_w0 * dt * p * inv_ml2;
          f = mgl * std::sin(q);
          p -= 0.5 * (y4_w1 + y4_w0) * dt * f;
          q += y4_w1 * dt * p * inv_ml2;
          f = mgl * std::sin(q);
          p -= 0.5 * y4_w1 * dt * f;
        } else {
          p -= 0.5 * dt * f;
          q += dt * p * inv_ml2;
          f = mgl * std::sin(q);
          p -= 0.5 * dt * f;
        }
      }
      qs[b] = q;
      ps[b] = p;
    }
    benchmark::DoNotOptimize(qs.data());
  }
  set_counter(state, steps, n);
}

#if defined(HAMGEN_HAVE_BOOST)
void pendulum_odeint_verlet(benchmark::State& state, std::size_t n) {
  using state_t = std::array<double, 1>;
  const std::size_t steps = steps_for(n * 8);
  const double mgl = pend.m * pend.g * pend.l, inv_ml2 = 1.0 / (pend.m * pend.l * pend.l);
  std::vector<state_t> qs(n), vs(n);
  for (std::size_t b = 0; b < n; ++b) {
    qs[b][0] = n == 1 ? 1.0 : 0.1 + 2.0 * double(b) / double(n);
    vs[b][0] = 0.0;
  }
  // velocity form: v = p / (m l²), a = −g/l sin q
  auto acc = [&](const state_t& x, const state_t&, state_t& a, double) {
    a[0] = -mgl * inv_ml2 * std::sin(x[0]);
  };
  for (auto _ : state) {
    for (std::size_t b = 0; b < n; ++b) {
      boost::numeric::odeint::velocity_verlet<state_t> st;
      double t = 0;
      for (std::size_t s = 0; s < steps; ++s, t += dt)
        st.do_step(acc, std::make_pair(std::ref(qs[b]), std::ref(vs[b])), t, dt);
    }
    benchmark::DoNotOptimize(qs.data());
  }
  set_counter(state, steps, n);
}
#endif

std::string name(const char* impl, const char* method, const char* system, std::size_t n) {
  return std::string("integrate|impl=") + impl + "|dtype=f64|method=" + method + "|system=" + system +
         "|n=" + std::to_string(n);
}

const int registered = [] {
  const auto ml4 = stages_of(integ::mclachlan4::table);
  for (std::size_t n : {std::size_t{1}, std::size_t{64}, std::size_t{4096}}) {
    auto reg_hamgen = [&](const char* method, auto st) {
      auto fn = [st, n](benchmark::State& s) {
        if (n == 1)
          osc_hamgen<1>(s, st, n);
        else if (n == 64)
          osc_hamgen<64>(s, st, n);
        else
          osc_hamgen<Eigen::Dynamic>(s, st, n);
      };
      benchmark::RegisterBenchmark(name("hamgen", method, "osc", n).c_str(), fn);
    };
    reg_hamgen("leapfrog", integ::leapfrog{});
    benchmark::RegisterBenchmark(name("hand", "leapfrog", "osc", n).c_str(),
                                 [n](benchmark::State& s) { osc_hand<false>(s, n); });
    benchmark::RegisterBenchmark(name("hand_fused", "leapfrog", "osc", n).c_str(),
                                 [n](benchmark::State& s) { osc_hand_fused_leapfrog(s, n); });
    reg_hamgen("yoshida4", integ::yoshida4{});
    benchmark::RegisterBenchmark(name("hand", "yoshida4", "osc", n).c_str(),
                                 [n](benchmark::State& s) { osc_hand<true>(s, n); });
    reg_hamgen("mclachlan4", integ::mclachlan4{});
    benchmark::RegisterBenchmark(name("hand", "mclachlan4", "osc", n).c_str(),
                                 [n, ml4](benchmark::State& s) { osc_hand_stages(s, n, ml4); });
#if defined(HAMGEN_HAVE_BOOST)
    benchmark::RegisterBenchmark(name("odeint", "leapfrog", "osc", n).c_str(),
                                 [n](benchmark::State& s) { osc_odeint_verlet(s, n); });
    benchmark::RegisterBenchmark(name("odeint", "mclachlan4", "osc", n).c_str(),
                                 [n](benchmark::State& s) { osc_odeint_mclachlan(s, n); });
#endif
  }
  for (std::size_t n : {std::size_t{1}, std::size_t{4096}}) {
    benchmark::RegisterBenchmark(name("hamgen", "leapfrog", "pendulum", n).c_str(),
                                 [n](benchmark::State& s) { pendulum_hamgen(s, integ::leapfrog{}, n); });
    benchmark::RegisterBenchmark(name("hand", "leapfrog", "pendulum", n).c_str(),
                                 [n](benchmark::State& s) { pendulum_hand<false>(s, n); });
    benchmark::RegisterBenchmark(name("hamgen", "yoshida4", "pendulum", n).c_str(),
                                 [n](benchmark::State& s) { pendulum_hamgen(s, integ::yoshida4{}, n); });
    benchmark::RegisterBenchmark(name("hand", "yoshida4", "pendulum", n).c_str(),
                                 [n](benchmark::State& s) { pendulum_hand<true>(s, n); });
#if defined(HAMGEN_HAVE_BOOST)
    benchmark::RegisterBenchmark(name("odeint", "leapfrog", "pendulum", n).c_str(),
                                 [n](benchmark::State& s) { pendulum_odeint_verlet(s, n); });
#endif
  }
  return 0;
}();

} // namespace

BENCHMARK_MAIN();
