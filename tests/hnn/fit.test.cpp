// Tests for hamgen/hnn/fit.hpp — the learned-physics demonstration (Greydanus et al. 2019): learn the
// dynamics of the mass-spring and the pendulum from (q, p, dq/dt, dp/dt) samples with an HNN and with
// a baseline MLP (same widths, steps, learning rate, data); roll both out for 1000 RK4 steps from
// held-out initial states (RK4, dt = 0.1); the HNN's relative energy error must be ≥ 10× smaller. Seeded.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include <hamgen/hnn/fit.hpp>

using namespace hamgen;

namespace {

struct system_def {
  const char* name;
  std::function<double(double, double)> energy;
  std::function<double(double)> dh_dq;
  std::function<double(double)> dh_dp;
  double r_lo, r_hi;
};

// Greydanus et al.: mass-spring H = ½(q² + p²) (k = m = 1); pendulum H = 2mgl(1 − cos q) + l²p²/(2m),
// m = l = 1, g = 3. Radii of the sampling rings as in their data generators.
const system_def systems[] = {
    {"mass-spring", [](double q, double p) { return 0.5 * (q * q + p * p); }, [](double q) { return q; },
     [](double p) { return p; }, 0.2, 1.0},
    {"pendulum", [](double q, double p) { return 6.0 * (1 - std::cos(q)) + 0.5 * p * p; },
     [](double q) { return 6.0 * std::sin(q); }, [](double p) { return p; }, 1.3, 2.3}};

void sample(const system_def& s, generator& g, std::size_t n, tensor<double>& x, tensor<double>& xd,
            double lo, double hi) {
  x = tensor<double>(shape{n, 2});
  xd = tensor<double>(shape{n, 2});
  for (std::size_t i = 0; i < n; ++i) {
    const double r = lo + (hi - lo) * g.uniform(), a = 2 * M_PI * g.uniform();
    const double q = r * std::cos(a), p = r * std::sin(a);
    x(i, 0) = q;
    x(i, 1) = p;
    xd(i, 0) = s.dh_dp(p);
    xd(i, 1) = -s.dh_dq(q);
  }
}

double relative_energy_error(const system_def& s, const tensor<double>& traj) {
  const std::size_t steps = traj.dim(0), N = traj.dim(1);
  double acc = 0;
  for (std::size_t b = 0; b < N; ++b) {
    const double e0 = s.energy(traj(0, b, 0), traj(0, b, 1));
    for (std::size_t k = 0; k < steps; ++k) acc += std::abs(s.energy(traj(k, b, 0), traj(k, b, 1)) - e0) / e0;
  }
  return acc / double(steps * N);
}

} // namespace

TEST_CASE("hnn fit: HNN conserves energy ≥ 10x better than a baseline MLP (mass-spring, pendulum)",
          "[hnn][fit][demo]") {
  for (const auto& s : systems) {
    INFO(s.name);
    generator g(2019);
    tensor<double> x, xd, x0, unused;
    sample(s, g, 256, x, xd, s.r_lo, s.r_hi);
    // held-out initial states, drawn afresh from the middle half of the training ring
    const double w = s.r_hi - s.r_lo;
    sample(s, g, 8, x0, unused, s.r_lo + 0.25 * w, s.r_hi - 0.25 * w);
    const hnn::fit_options fo{.steps = 1000, .lr = 1e-3, .batch = 0};
    generator gi(1);
    hnn::mlp_hamiltonian<double> h({.n = 1, .hidden = {32, 32}, .act = hnn::activation::tanh}, gi);
    hnn::mlp<double> base({.in = 2, .hidden = {32, 32}, .out = 2, .act = hnn::activation::tanh}, gi);
    const double lh = hnn::fit(h, x, xd, fo);
    const double lb = hnn::fit_baseline(base, x, xd, fo);
    INFO("final training MSE: hnn " << lh << ", baseline " << lb);
    REQUIRE(lh < 0.1);
    REQUIRE(lb < 0.1);
    const double dt = 0.1; // 1000 steps = 100 time units
    auto th =
        hnn::rk4_rollout<double>([&](const tensor<double>& z) { return hnn::field(h, z); }, x0, dt, 1000);
    auto tb =
        hnn::rk4_rollout<double>([&](const tensor<double>& z) { return hnn::field(base, z); }, x0, dt, 1000);
    const double eh = relative_energy_error(s, th), eb = relative_energy_error(s, tb);
    INFO("relative energy error over 1000 steps: hnn " << eh << ", baseline " << eb << ", ratio " << eb / eh);
    CHECK(eb >= 10.0 * eh);
  }
}

TEST_CASE("hnn fit: field() of the fused HNN equals the engine's vector field", "[hnn][fit]") {
  generator g(3);
  hnn::mlp_hamiltonian<double> h({.n = 2, .hidden = {6, 6}, .act = hnn::activation::softplus}, g);
  tensor<double> x({3, 4});
  for (auto& v : x) v = g.normal();
  auto f = hnn::field(h, x);
  tape t;
  auto q = t.variable(tensor<double>::from({3, 2}, {x(0, 0), x(0, 1), x(1, 0), x(1, 1), x(2, 0), x(2, 1)}));
  auto p = t.variable(tensor<double>::from({3, 2}, {x(0, 2), x(0, 3), x(1, 2), x(1, 3), x(2, 2), x(2, 3)}));
  auto [dq, dp] = hnn::vector_field(t, h, q, p);
  for (std::size_t b = 0; b < 3; ++b)
    for (std::size_t i = 0; i < 2; ++i) {
      REQUIRE(f(b, i) == Approx(dq.value()(b, i)).epsilon(1e-13));
      REQUIRE(f(b, 2 + i) == Approx(dp.value()(b, i)).epsilon(1e-13));
    }
  tensor<double> bad({3, 3});
  REQUIRE_THROWS_WITH(hnn::fit(h, bad, bad), Catch::Contains("hnn::fit"));
}
