// Tests for hamgen/hnn/rollout.hpp: fused rollout == engine (double backprop) rollout, forward and
// gradients; finite-difference gradient checks w.r.t. θ and the initial state; evaluation count;
// order of the Yoshida-4 composition on a separable learned H.
#include <catch2/catch.hpp>

#include "hnn_fixtures.hpp"

#include <cmath>

#include <hamgen/autodiff/gradcheck.hpp>
#include <hamgen/hnn/rollout.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

using hamgen_test::densify;
using hamgen_test::gradients;
using hamgen_test::require_gradients;

namespace {

tensor<double> randn(shape s, generator& g, double scale = 1.0) {
  tensor<double> t(s);
  for (auto& v : t) v = scale * g.normal();
  return t;
}

// L = Σ ws·states + Σ wd·dpdt (fixed random weights), so dL/dstates = ws, dL/ddpdt = wd.
template <class H>
double fused_loss(H& h, const tensor<double>& q0, const tensor<double>& p0, const tensor<double>& ws,
                  const tensor<double>& wd, const hnn::rollout_options& o) {
  hnn::fused_rollout<H> fr;
  fr.forward(h, q0.data(), p0.data(), q0.dim(0), o);
  double l = 0;
  for (std::size_t i = 0; i < ws.size(); ++i) l += ws[i] * fr.states()[i];
  for (std::size_t i = 0; i < wd.size(); ++i) l += wd[i] * fr.dpdt()[i];
  return l;
}

template <class H>
void check_against_engine(H& h, const hnn::rollout_options& o, double grad_tol, std::size_t B = 3,
                          bool finite_differences = true,
                          std::size_t max_deferred_bytes = std::size_t{1} << 30) {
  generator g(7);
  const std::size_t n = h.dim(), T = o.frames;
  tensor<double> q0 = randn({B, n}, g), p0 = randn({B, n}, g);
  tensor<double> ws = randn({T, B, 2 * n}, g), wd = randn({T - 1, B, n}, g);

  // engine reference: taped rollout, backward into the parameters
  h.zero_grad();
  tape t;
  auto q = t.variable(q0), p = t.variable(p0);
  auto r = hnn::rollout_taped(t, h, q, p, o);
  auto loss = ad::add(ad::sum(ad::mul_const(r.states, ws)), ad::sum(ad::mul_const(r.dpdt, wd)));
  backward(t, loss);
  const auto ref = gradients(h);
  const tensor<double> ref_q = q.grad(), ref_p = p.grad();

  // fused
  h.zero_grad();
  hnn::fused_rollout<H> fr;
  fr.max_deferred_bytes = max_deferred_bytes;
  fr.forward(h, q0.data(), p0.data(), B, o);
  for (std::size_t i = 0; i < fr.states().size(); ++i)
    REQUIRE(fr.states()[i] == Approx(r.states.value()[i]).epsilon(0).margin(1e-12));
  for (std::size_t i = 0; i < fr.dpdt().size(); ++i)
    REQUIRE(fr.dpdt()[i] == Approx(r.dpdt.value()[i]).epsilon(0).margin(1e-12));
  tensor<double> dq({B, n}), dp({B, n});
  for (int sweep = 0; sweep < 2; ++sweep) { // a second backward of the same forward gives the same
    INFO("backward " << sweep);
    h.zero_grad();
    fr.backward(h, ws.data(), wd.data(), dq.data(), dp.data());
    require_gradients(h, ref, grad_tol, 0);
    for (std::size_t i = 0; i < dq.size(); ++i)
      REQUIRE(dq[i] == Approx(ref_q[i]).epsilon(0).margin(grad_tol));
    for (std::size_t i = 0; i < dp.size(); ++i)
      REQUIRE(dp[i] == Approx(ref_p[i]).epsilon(0).margin(grad_tol));
  }
  if (!finite_differences) return;

  // finite differences of the fused forward w.r.t. every parameter and the initial state
  const double h_fd = 1e-6;
  double worst = 0, scale = 0;
  h.visit_parameters(
      [&](const std::string&, nn::parameter<double>& prm) {
        for (std::size_t i = 0; i < prm.value.size(); ++i) {
          const double x0 = prm.value[i];
          prm.value[i] = x0 + h_fd;
          const double lp = fused_loss(h, q0, p0, ws, wd, o);
          prm.value[i] = x0 - h_fd;
          const double lm = fused_loss(h, q0, p0, ws, wd, o);
          prm.value[i] = x0;
          worst = std::max(worst, std::abs((lp - lm) / (2 * h_fd) - prm.grad[i]));
          scale = std::max(scale, std::abs(prm.grad[i]));
        }
      },
      "");
  for (int which = 0; which < 2; ++which) {
    tensor<double>& x = which == 0 ? q0 : p0;
    const tensor<double>& gx = which == 0 ? dq : dp;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double x0 = x[i];
      x[i] = x0 + h_fd;
      const double lp = fused_loss(h, q0, p0, ws, wd, o);
      x[i] = x0 - h_fd;
      const double lm = fused_loss(h, q0, p0, ws, wd, o);
      x[i] = x0;
      worst = std::max(worst, std::abs((lp - lm) / (2 * h_fd) - gx[i]));
      scale = std::max(scale, std::abs(gx[i]));
    }
  }
  INFO("max |FD - analytic| = " << worst << ", max |grad| = " << scale);
  REQUIRE(worst <= 1e-6 * std::max(1.0, scale));
}

} // namespace

TEST_CASE("hnn rollout: fused == engine double backprop, and finite differences (mlp H)", "[hnn][rollout]") {
  for (auto act : {hnn::activation::tanh, hnn::activation::softplus, hnn::activation::relu}) {
    INFO(hnn::to_string(act));
    generator g(3);
    hnn::mlp_hamiltonian<double> h({.n = 2, .hidden = {6, 5}, .act = act}, g);
    check_against_engine(h, {.frames = 5, .dt = 0.1}, 1e-10);
  }
}

TEST_CASE("hnn rollout: fused == engine at the HGAN sizes with relu (the small_gemm kernels)",
          "[hnn][rollout]") {
  // n = 10, two hidden layers of 100 (row tails of every tile width), batches 16, 7 and 80 (column
  // tails), mlp and separable H: the unpacked AVX2 products and their fused masks against the
  // engine's ops, with the weight-gradient products deferred (the default) and per evaluation (a
  // byte limit of 0)
  for (std::size_t B : {16, 7, 80})
    for (std::size_t limit : {std::size_t{1} << 30, std::size_t{0}}) {
      INFO("batch " << B << ", max_deferred_bytes " << limit);
      generator g(11);
      hnn::mlp_hamiltonian<double> h({.n = 10, .hidden = {100, 100}, .act = hnn::activation::relu}, g);
      check_against_engine(h, {.frames = 6, .dt = 0.05}, 1e-10, B, false, limit);
      hnn::separable_hamiltonian<double> s({.n = 10, .hidden = {37, 21}, .act = hnn::activation::relu}, g);
      check_against_engine(s, {.frames = 6, .dt = 0.05}, 1e-10, B, false, limit);
    }
  { // the pools' size decides: frames 6 are 6 ∂H/∂q and 5 ∂H/∂p evaluations of 16 columns, each
    // column ḡ (10) and δ_0, ū_0, δ_1 (100 each) in float64
    generator g(14);
    hnn::mlp_hamiltonian<double> h({.n = 10, .hidden = {100, 100}, .act = hnn::activation::relu}, g);
    const std::size_t bytes = (6 + 5) * 16 * (10 + 300) * sizeof(double);
    tensor<double> q0 = randn({16, 10}, g), p0 = randn({16, 10}, g);
    hnn::fused_rollout<hnn::mlp_hamiltonian<double>> fr;
    fr.max_deferred_bytes = bytes;
    fr.forward(h, q0.data(), p0.data(), 16, {.frames = 6});
    REQUIRE(fr.deferred());
    fr.max_deferred_bytes = bytes - 1;
    fr.forward(h, q0.data(), p0.data(), 16, {.frames = 6});
    REQUIRE_FALSE(fr.deferred());
    hnn::mlp_hamiltonian<double> smooth({.n = 10, .hidden = {8}, .act = hnn::activation::tanh}, g);
    hnn::fused_rollout<hnn::mlp_hamiltonian<double>> fs;
    fs.forward(smooth, q0.data(), p0.data(), 16, {.frames = 6});
    REQUIRE_FALSE(fs.deferred()); // only relu adjoints defer
  }
  { // T = 30 (59 evaluations): masks flip along the trajectory, the carried last-layer product is
    // refreshed, the deferred last-layer gradient runs by parts over long sequences
    generator g(13);
    hnn::mlp_hamiltonian<double> h({.n = 10, .hidden = {100, 100}, .act = hnn::activation::relu}, g);
    check_against_engine(h, {.frames = 30, .dt = 0.05}, 1e-10, 16, false);
  }
  // other stage lists (their evaluations per part size the deferred pools): Yoshida-4, and
  // drift-kick-drift leapfrog (a drift first, kicks that reuse no force)
  generator g(12);
  hnn::mlp_hamiltonian<double> h({.n = 3, .hidden = {20, 9}, .act = hnn::activation::relu}, g);
  check_against_engine(h, {.frames = 4, .dt = 0.05, .stages = hnn::stages_of<integrate::methods::yoshida4>()},
                       1e-10, 7, false);
  const std::vector<integrate::stage> dkd{{integrate::stage_kind::drift, 0.5},
                                          {integrate::stage_kind::kick, 1.0},
                                          {integrate::stage_kind::drift, 0.5}};
  check_against_engine(h, {.frames = 5, .dt = 0.05, .stages = dkd}, 1e-10, 7, false);
  hnn::separable_hamiltonian<double> s({.n = 3, .hidden = {11, 9}, .act = hnn::activation::relu}, g);
  check_against_engine(s, {.frames = 5, .dt = 0.05, .stages = dkd}, 1e-10, 7, false);
}

TEST_CASE("hnn rollout: separable H with yoshida4 stages, fused == engine == FD", "[hnn][rollout]") {
  generator g(4);
  hnn::separable_hamiltonian<double> h({.n = 2, .hidden = {5, 4}, .act = hnn::activation::tanh}, g);
  check_against_engine(h, {.frames = 4, .dt = 0.1, .stages = hnn::stages_of<integrate::methods::yoshida4>()},
                       1e-10);
}

TEST_CASE("hnn rollout: leapfrog spends 2 gradient evaluations per step (+1 initial)", "[hnn][rollout]") {
  generator g(5);
  hnn::mlp_hamiltonian<float> h({.n = 3, .hidden = {8, 8}}, g);
  std::vector<float> q(6, 0.1f), p(6, -0.2f);
  hnn::fused_rollout<hnn::mlp_hamiltonian<float>> fr;
  fr.forward(h, q.data(), p.data(), 2, {.frames = 16});
  REQUIRE(fr.evaluations() == 2 * 15 + 1);
  REQUIRE(fr.states().shape() == shape{16, 2, 6});
  REQUIRE(fr.dpdt().shape() == shape{15, 2, 3});
  REQUIRE(fr.states()(0, 1, 0) == 0.1f);
  REQUIRE(fr.states()(0, 1, 3) == -0.2f);
}

TEST_CASE("hnn rollout: leapfrog matches the HGAN 3-evaluation update exactly for separable H",
          "[hnn][rollout]") {
  // For separable H the reused force equals the recomputed one, so the result must equal the
  // reference code's update p_h = p − dt/2 ∂H/∂q(q, p); q' = q + dt ∂H/∂p(q, p_h); p' = p_h − dt/2 ∂H/∂q(q',
  // p_h).
  generator g(6);
  hnn::separable_hamiltonian<double> h({.n = 2, .hidden = {7, 7}, .act = hnn::activation::tanh}, g);
  const std::size_t B = 2, n = 2;
  tensor<double> q0 = randn({B, n}, g), p0 = randn({B, n}, g);
  hnn::fused_rollout<hnn::separable_hamiltonian<double>> fr;
  fr.forward(h, q0.data(), p0.data(), B, {.frames = 6, .dt = 0.05});
  tape t;
  var<double> q = t.variable(q0), p = t.variable(p0);
  for (std::size_t k = 1; k < 6; ++k) {
    auto ph = ad::add(p, ad::scale(hnn::vector_field(t, h, q, p).second, 0.025));
    auto qn = ad::add(q, ad::scale(hnn::vector_field(t, h, q, ph).first, 0.05));
    auto dpdt = hnn::vector_field(t, h, qn, ph).second;
    p = ad::add(ph, ad::scale(dpdt, 0.025));
    q = qn;
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t i = 0; i < n; ++i) {
        INFO("frame " << k);
        REQUIRE(fr.states()(k, b, i) == Approx(q.value()(b, i)).epsilon(0).margin(1e-13));
        REQUIRE(fr.states()(k, b, n + i) == Approx(p.value()(b, i)).epsilon(0).margin(1e-13));
        REQUIRE(fr.dpdt()(k - 1, b, i) == Approx(dpdt.value()(b, i)).epsilon(0).margin(1e-13));
      }
  }
}

TEST_CASE("hnn rollout: the autodiff op passes gradcheck w.r.t. q0 and p0", "[hnn][rollout]") {
  generator g(8);
  hnn::mlp_hamiltonian<double> h({.n = 2, .hidden = {6, 6}, .act = hnn::activation::softplus}, g);
  tensor<double> q0 = randn({2, 2}, g), p0 = randn({2, 2}, g);
  auto res = ad::gradcheck(
      [&](tape& t, const std::vector<var<double>>& x) {
        auto r = hnn::rollout(t, h, x[0], x[1], {.frames = 5, .dt = 0.1});
        return ad::add(ad::sum(ad::square(r.states)), ad::sum(ad::abs(r.dpdt)));
      },
      {q0, p0});
  INFO(res.report);
  REQUIRE(res.ok);
}

TEST_CASE("hnn rollout: the autodiff op's parameter gradients equal the engine's", "[hnn][rollout]") {
  generator g(9);
  hnn::mlp_hamiltonian<double> h({.n = 2, .hidden = {5, 5}, .act = hnn::activation::tanh}, g);
  tensor<double> q0 = randn({3, 2}, g), p0 = randn({3, 2}, g);
  auto run = [&](bool fused) {
    h.zero_grad();
    tape t;
    auto q = t.variable(q0), p = t.variable(p0);
    auto r = fused ? hnn::rollout(t, h, q, p, {.frames = 4}) : hnn::rollout_taped(t, h, q, p, {.frames = 4});
    backward(t, ad::add(ad::mean(ad::square(r.states)), ad::scale(ad::mean(ad::abs(r.dpdt)), 0.01)));
    densify(h);
    std::vector<double> out;
    h.visit_parameters(
        [&](const std::string&, nn::parameter<double>& prm) {
          out.insert(out.end(), prm.grad.begin(), prm.grad.end());
        },
        "");
    out.insert(out.end(), q.grad().begin(), q.grad().end());
    return out;
  };
  auto a = run(true), b = run(false);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == Approx(b[i]).epsilon(0).margin(1e-12));
  // grad() of the op does not touch the parameters' accumulators
  h.zero_grad();
  tape t;
  auto q = t.variable(q0), p = t.variable(p0);
  auto r = hnn::rollout(t, h, q, p, {.frames = 3});
  auto gq = grad(t, ad::sum(r.states), {q});
  REQUIRE(gq[0].shape() == shape{3, 2});
  for (auto& w : h.net.weights)
    for (double v : w.grad) REQUIRE(v == 0.0);
}

TEST_CASE("hnn rollout: yoshida4 stages converge at order 4 on a separable learned H", "[hnn][rollout]") {
  generator g(10);
  hnn::separable_hamiltonian<double> h({.n = 1, .hidden = {8, 8}, .act = hnn::activation::tanh}, g);
  std::vector<double> q{0.5}, p{0.3};
  auto final_q = [&](double dt, std::size_t steps) {
    hnn::fused_rollout<hnn::separable_hamiltonian<double>> fr;
    fr.forward(h, q.data(), p.data(), 1,
               {.frames = steps + 1, .dt = dt, .stages = hnn::stages_of<integrate::methods::yoshida4>()});
    return std::pair{fr.states()(steps, 0, 0), fr.states()(steps, 0, 1)};
  };
  auto ref = final_q(1.0 / 512, 512);
  auto e = [&](std::size_t steps) {
    auto r = final_q(1.0 / double(steps), steps);
    return std::hypot(r.first - ref.first, r.second - ref.second);
  };
  const double ratio = e(8) / e(16);
  INFO("error ratio for halved dt: " << ratio);
  REQUIRE(ratio > 12.0);
  REQUIRE(ratio < 20.0);
}

TEST_CASE("hnn rollout: errors name the component", "[hnn][rollout]") {
  generator g(11);
  hnn::mlp_hamiltonian<double> h({.n = 2, .hidden = {3}}, g);
  tape t;
  auto q = t.variable(tensor<double>::zeros({2, 2})), p = t.variable(tensor<double>::zeros({2, 3}));
  REQUIRE_THROWS_WITH(hnn::rollout(t, h, q, p), Catch::Contains("hnn::rollout"));
  auto p2 = t.variable(tensor<double>::zeros({2, 2}));
  REQUIRE_THROWS_WITH(hnn::rollout(t, h, q, p2, {.frames = 1}), Catch::Contains("frames"));
}
