// Tests for hamgen/hnn/mlp.hpp: taped forward == fused kernels (forward, backward, input gradient and
// its adjoint, packed and not) for every activation; deferred weight-gradient products; initialisation
// bounds; errors.
#include <catch2/catch.hpp>

#include "hnn_fixtures.hpp"

#include <cmath>

#include <hamgen/autodiff/grad.hpp>
#include <hamgen/hnn/mlp.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

using hamgen_test::gradients;
using hamgen_test::require_gradients;

TEST_CASE("hnn::mlp: fused forward/backward equal the taped network", "[hnn][mlp]") {
  for (auto act : {hnn::activation::relu, hnn::activation::tanh, hnn::activation::softplus}) {
    INFO(hnn::to_string(act));
    generator g(1);
    hnn::mlp<double> m({.in = 3, .hidden = {5, 4}, .out = 2, .act = act}, g);
    tensor<double> x({4, 3}), w({4, 2});
    for (auto& v : x) v = g.normal();
    for (auto& v : w) v = g.normal();
    m.zero_grad();
    tape t;
    auto xv = t.variable(x);
    auto y = m.forward(t, xv);
    backward(t, ad::sum(ad::mul_const(y, w)));
    const auto ref = gradients(m);
    m.zero_grad();
    hnn::detail::mlp_cache<double> c;
    hnn::detail::mlp_scratch<double> s;
    c.resize(m.options(), 4, false);
    c.x = Eigen::Map<const hnn::detail::mat<double>>(x.data(), 3, 4);
    hnn::detail::mlp_kernels<double>::hidden_forward(m, c);
    hnn::detail::mat<double> out(2, 4), xbar(3, 4);
    hnn::detail::mlp_kernels<double>::output(m, c, out);
    for (std::size_t b = 0; b < 4; ++b)
      for (std::size_t j = 0; j < 2; ++j)
        REQUIRE(out(Eigen::Index(j), Eigen::Index(b)) == Approx(y.value()(b, j)).epsilon(1e-13));
    hnn::detail::mat<double> ybar = Eigen::Map<const hnn::detail::mat<double>>(w.data(), 2, 4);
    hnn::detail::mlp_kernels<double>::backward(m, c, ybar, &xbar, false, s);
    require_gradients(m, ref, 1e-14, 1e-12);
    for (std::size_t b = 0; b < 4; ++b)
      for (std::size_t j = 0; j < 3; ++j)
        REQUIRE(xbar(Eigen::Index(j), Eigen::Index(b)) ==
                Approx(xv.grad()(b, j)).epsilon(1e-12).margin(1e-14));
  }
}

TEST_CASE("hnn::mlp: fused input gradient and its adjoint equal engine double backprop", "[hnn][mlp]") {
  // one, two and three hidden layers; with packed weights (small_gemm; for relu with two or more
  // layers the mask_last products) and without (Eigen); ḡ as a matrix and as a map
  const std::vector<std::vector<std::size_t>> depths{{6, 5, 3}, {6, 5}, {7}};
  for (auto act : {hnn::activation::relu, hnn::activation::tanh, hnn::activation::softplus})
    for (const auto& hidden : depths)
      for (bool packed : {false, true}) {
        INFO(hnn::to_string(act) << ", " << hidden.size() << " hidden layers, packed " << packed);
        generator g(2);
        hnn::mlp<double> m({.in = 4, .hidden = hidden, .out = 1, .act = act}, g);
        tensor<double> x({3, 4}), w({3, 2});
        for (auto& v : x) v = g.normal();
        for (auto& v : w) v = g.normal();
        // L = Σ w ⊙ (∂f/∂x)[:, 1:3]
        m.zero_grad();
        tape t;
        auto xv = t.variable(x);
        auto gx = grad(t, ad::sum(m.forward(t, xv)), {xv}, {.create_graph = true})[0];
        backward(t, ad::sum(ad::mul_const(ad::slice(gx, 1, 1, 3), w)));
        const auto ref = gradients(m);
        m.zero_grad();
        hnn::detail::mlp_cache<double> c;
        hnn::detail::mlp_scratch<double> s;
        hnn::detail::mlp_pack<double> pk;
        c.resize(m.options(), 3, true);
        if (packed) {
          hnn::detail::mlp_kernels<double>::pack(m, pk);
          REQUIRE(pk.mask_last() == (act == hnn::activation::relu && hidden.size() >= 2));
          c.wcol = &pk;
        }
        c.x = Eigen::Map<const hnn::detail::mat<double>>(x.data(), 4, 3);
        hnn::detail::mat<double> gpart(2, 3), xbar = hnn::detail::mat<double>::Zero(4, 3);
        hnn::detail::mlp_kernels<double>::input_gradient(m, c, 1, 2, gpart);
        for (std::size_t b = 0; b < 3; ++b)
          for (std::size_t j = 0; j < 2; ++j)
            REQUIRE(gpart(Eigen::Index(j), Eigen::Index(b)) == Approx(gx.value()(b, 1 + j)).epsilon(1e-13));
        const Eigen::Map<const hnn::detail::mat<double>> gmapped(w.data(), 2, 3);
        const hnn::detail::mat<double> gbar = gmapped;
        const bool touched =
            packed ? hnn::detail::mlp_kernels<double>::input_gradient_adjoint(m, c, 1, 2, gmapped, &xbar, s)
                   : hnn::detail::mlp_kernels<double>::input_gradient_adjoint(m, c, 1, 2, gbar, &xbar, s);
        REQUIRE(touched == (act != hnn::activation::relu));
        require_gradients(m, ref, 1e-14, 1e-12);
        if (act == hnn::activation::relu) { // ∇ₓf is piecewise constant: no gradient reaches x
          REQUIRE(xbar.norm() == 0.0);
          continue;
        }
        for (std::size_t b = 0; b < 3; ++b)
          for (std::size_t j = 0; j < 4; ++j)
            REQUIRE(xbar(Eigen::Index(j), Eigen::Index(b)) ==
                    Approx(xv.grad()(b, j)).epsilon(1e-12).margin(1e-14));
      }
}

TEST_CASE("hnn::mlp: the last hidden layer's product carried between nearby evaluations equals the full one",
          "[hnn][mlp]") {
  // two and three hidden layers; 48 evaluations along a random walk (a few mask entries flip per
  // step: the carried sums), with a jump (most flip: formed in full), a batch change and a reset
  for (const auto& hidden : std::vector<std::vector<std::size_t>>{{12, 10}, {13, 11, 9}}) {
    INFO(hidden.size() << " hidden layers");
    generator g(9);
    hnn::mlp<double> m({.in = 6, .hidden = hidden, .out = 1, .act = hnn::activation::relu}, g);
    using mat = hnn::detail::mat<double>;
    using kernels = hnn::detail::mlp_kernels<double>;
    const std::size_t L = hidden.size();
    hnn::detail::mlp_pack<double> pk;
    kernels::pack(m, pk);
    hnn::detail::mlp_last_layer_track<double> tr;
    hnn::detail::mlp_cache<double> plain, tracked;
    Eigen::Index B = 5;
    mat x = mat::NullaryExpr(6, B, [&] { return g.normal(); });
    mat prev_mask;
    int carried_with_flips = 0, full_after_start = 0, refreshed = 0, prev_since_full = 0;
    for (int e = 0; e < 48; ++e) {
      INFO("evaluation " << e);
      if (e == 20)
        x = mat::NullaryExpr(6, B, [&] { return 3 * g.normal(); }); // a jump
      else if (e == 30) {                                           // another batch
        B = 4;
        x = mat::NullaryExpr(6, B, [&] { return g.normal(); });
      } else if (e == 40)
        tr.reset();
      else
        x += mat::NullaryExpr(6, B, [&] { return 0.05 * g.normal(); });
      for (auto* c : {&plain, &tracked}) {
        c->resize(m.options(), B, true);
        c->wcol = &pk;
        c->x = x;
      }
      tracked.track = &tr;
      mat gp(2, B), gt(2, B);
      kernels::input_gradient(m, plain, 2, 2, gp);
      kernels::input_gradient(m, tracked, 2, 2, gt);
      const mat& mask = plain.delta[L - 1];
      const bool flipped = prev_mask.size() == mask.size() && prev_mask != mask;
      if (e > 0 && tr.since_full > 0 && flipped) ++carried_with_flips;
      if (e == 20 || e == 30 || e == 40) {
        REQUIRE(tr.since_full == 0); // formed in full
        ++full_after_start;
      }
      prev_mask = mask;
      REQUIRE(tracked.delta[L - 1] == mask);
      for (std::size_t l = 0; l + 1 < L; ++l)
        for (Eigen::Index i = 0; i < mask.cols() * plain.delta[l].rows(); ++i)
          REQUIRE(tracked.delta[l].data()[i] == Approx(plain.delta[l].data()[i]).margin(1e-13));
      for (Eigen::Index i = 0; i < gp.size(); ++i)
        REQUIRE(gt.data()[i] == Approx(gp.data()[i]).margin(1e-13));
      // at most refresh_every carried evaluations in a row, then one formed in full
      constexpr int refresh = hnn::detail::mlp_last_layer_track<double>::refresh_every;
      REQUIRE(tr.since_full <= refresh);
      if (prev_since_full == refresh) {
        REQUIRE(tr.since_full == 0);
        ++refreshed;
      }
      prev_since_full = tr.since_full;
    }
    REQUIRE(refreshed >= 1);
    REQUIRE(full_after_start == 3);
    REQUIRE(carried_with_flips > 5); // the carried path ran with entries to update
  }
}

TEST_CASE("hnn::mlp: deferred relu weight-gradient products equal the per-evaluation ones", "[hnn][mlp]") {
  // three hidden layers (a chain of deferred ū blocks), four evaluations at different inputs, the
  // input slice r0 = 3, nr = 4 of an input of 9; batch 5 (row and column tails of the kernels)
  generator g(5);
  hnn::mlp<double> m({.in = 9, .hidden = {19, 13, 11}, .out = 1, .act = hnn::activation::relu}, g);
  using mat = hnn::detail::mat<double>;
  using kernels = hnn::detail::mlp_kernels<double>;
  const Eigen::Index B = 5, r0 = 3, nr = 4, evals = 4;
  hnn::detail::mlp_pack<double> wcol;
  kernels::pack(m, wcol);
  // the same evaluations twice: caches of their own, and caches attached to a deferred pool (whose
  // forward writes δ_l into the pool)
  hnn::detail::mlp_deferred_wgrad<double> d;
  d.reserve(m, r0, nr, evals * B);
  std::vector<hnn::detail::mlp_cache<double>> caches(static_cast<std::size_t>(evals)),
      attached(caches.size());
  std::vector<mat> gbars;
  for (std::size_t e = 0; e < caches.size(); ++e) {
    for (auto* c : {&caches[e], &attached[e]}) {
      c->resize(m.options(), B, true);
      c->wcol = &wcol;
    }
    caches[e].x = mat::NullaryExpr(9, B, [&] { return g.normal(); });
    attached[e].x = caches[e].x;
    d.attach(attached[e], B);
    mat gpart(nr, B), gdeferred(nr, B);
    kernels::input_gradient(m, caches[e], r0, nr, gpart);
    kernels::input_gradient(m, attached[e], r0, nr, gdeferred);
    REQUIRE(gdeferred == gpart); // same products, δ_l only stored elsewhere
    gbars.push_back(mat::NullaryExpr(nr, B, [&] { return g.normal(); }));
  }
  REQUIRE(d.used == evals * B);
  hnn::detail::mlp_scratch<double> s;
  mat xbar = mat::Zero(9, B);
  m.zero_grad();
  for (std::size_t e = 0; e < caches.size(); ++e)
    kernels::input_gradient_adjoint(m, caches[e], r0, nr, gbars[e], &xbar, s);
  const auto ref = gradients(m);
  double scale = 0;
  for (const auto& t : ref)
    for (double v : t) scale = std::max(scale, std::abs(v));
  REQUIRE(scale > 0);
  // two sweeps over the same attached evaluations (the blocks stay attached between flushes)
  for (int sweep = 0; sweep < 2; ++sweep) {
    m.zero_grad();
    for (std::size_t e = caches.size(); e-- > 0;)
      kernels::input_gradient_adjoint(m, attached[e], r0, nr, gbars[e], &xbar, s);
    REQUIRE(d.filled == evals * B);
    d.flush(m);
    REQUIRE(d.filled == 0);
    d.flush(m); // nothing pending: adds nothing
    require_gradients(m, ref, 1e-13 * scale);
  }

  // errors: an adjoint missing at the flush, another net, more columns than reserved, another input
  // slice, a cache without packed weights, a smooth activation
  kernels::input_gradient_adjoint(m, attached[0], r0, nr, gbars[0], &xbar, s);
  REQUIRE_THROWS_WITH(d.flush(m), Catch::Contains("filled 5 of the 20"));
  hnn::mlp<double> other({.in = 9, .hidden = {19, 13, 11}, .out = 1, .act = hnn::activation::relu}, g);
  REQUIRE_THROWS_WITH(d.flush(other), Catch::Contains("another net"));
  d.reserve(m, r0, nr, B);
  d.attach(attached[0], B);
  REQUIRE_THROWS_WITH(d.attach(attached[1], B),
                      Catch::Contains("mlp_deferred_wgrad") && Catch::Contains("room for 5"));
  d.reserve(m, 0, nr, B);
  REQUIRE_THROWS_WITH(kernels::input_gradient_adjoint(m, attached[0], r0, nr, gbars[0], &xbar, s),
                      Catch::Contains("another net or input slice") && Catch::Contains("r0=3"));
  attached[0].wcol = nullptr;
  mat gpart(nr, B);
  REQUIRE_THROWS_WITH(kernels::input_gradient(m, attached[0], r0, nr, gpart), Catch::Contains("wcol"));
  REQUIRE_THROWS_WITH(kernels::input_gradient_adjoint(m, attached[0], r0, nr, gbars[0], &xbar, s),
                      Catch::Contains("wcol"));
  hnn::detail::mlp_pack<double> bare; // weight copies without the mask_last operands of a relu net
  bare.w = wcol.w;
  attached[0].wcol = &bare;
  REQUIRE_THROWS_WITH(kernels::input_gradient(m, attached[0], r0, nr, gpart),
                      Catch::Contains("mask_last") && Catch::Contains("3 hidden layers"));
  hnn::mlp<double> smooth({.in = 9, .hidden = {4}, .out = 1, .act = hnn::activation::tanh}, g);
  REQUIRE_THROWS_WITH(d.reserve(smooth, 0, 1, 1), Catch::Contains("tanh"));
}

TEST_CASE("hnn::mlp: deferred products over evaluations of different batches equal the per-evaluation ones",
          "[hnn][mlp]") {
  // batches 5, 3, 5: the last hidden layer's gradient cannot run by parts along samples and takes
  // the plain product; 2 and 3 hidden layers
  for (const auto& hidden : std::vector<std::vector<std::size_t>>{{12, 10}, {13, 11, 9}}) {
    INFO(hidden.size() << " hidden layers");
    generator g(21);
    hnn::mlp<double> m({.in = 6, .hidden = hidden, .out = 1, .act = hnn::activation::relu}, g);
    using mat = hnn::detail::mat<double>;
    using kernels = hnn::detail::mlp_kernels<double>;
    hnn::detail::mlp_pack<double> pk;
    kernels::pack(m, pk);
    const std::vector<Eigen::Index> batches{5, 3, 5};
    hnn::detail::mlp_deferred_wgrad<double> d;
    d.reserve(m, 1, 2, 13);
    std::vector<hnn::detail::mlp_cache<double>> own(3), attached(3);
    std::vector<mat> gbars;
    for (std::size_t e = 0; e < 3; ++e) {
      const Eigen::Index B = batches[e];
      for (auto* c : {&own[e], &attached[e]}) {
        c->resize(m.options(), B, true);
        c->wcol = &pk;
      }
      own[e].x = mat::NullaryExpr(6, B, [&] { return g.normal(); });
      attached[e].x = own[e].x;
      d.attach(attached[e], B);
      mat g1(2, B), g2(2, B);
      kernels::input_gradient(m, own[e], 1, 2, g1);
      kernels::input_gradient(m, attached[e], 1, 2, g2);
      gbars.push_back(mat::NullaryExpr(2, B, [&] { return g.normal(); }));
    }
    REQUIRE(d.batch == 0); // batches differ
    hnn::detail::mlp_scratch<double> s;
    mat xbar = mat::Zero(6, 5);
    m.zero_grad();
    for (std::size_t e = 0; e < 3; ++e) kernels::input_gradient_adjoint(m, own[e], 1, 2, gbars[e], &xbar, s);
    const auto ref = gradients(m);
    m.zero_grad();
    for (std::size_t e = 3; e-- > 0;)
      kernels::input_gradient_adjoint(m, attached[e], 1, 2, gbars[e], &xbar, s);
    d.flush(m);
    require_gradients(m, ref, 1e-13);
  }
}

TEST_CASE("hnn::mlp: Xavier-uniform initialisation bounds, names and errors", "[hnn][mlp]") {
  generator g(3);
  hnn::mlp<float> m({.in = 20, .hidden = {100, 100}, .out = 1}, g);
  const double a = std::sqrt(6.0 / 120.0);
  for (float v : m.weights[0].value) REQUIRE(std::abs(v) <= a);
  const double bb = 1.0 / std::sqrt(20.0);
  for (float v : m.biases[0].value) REQUIRE(std::abs(v) <= bb);
  std::vector<std::string> names;
  m.visit_parameters([&](const std::string& n, nn::parameter<float>&) { names.push_back(n); }, "");
  REQUIRE(names ==
          std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"});
  REQUIRE_THROWS_WITH(hnn::mlp<float>({.in = 0}), Catch::Contains("hnn::mlp"));
  REQUIRE_THROWS_WITH(hnn::activation_from_string("gelu"), Catch::Contains("gelu"));
  REQUIRE(hnn::activation_from_string("softplus") == hnn::activation::softplus);
  tape t;
  auto x = t.variable(tensor<float>::zeros({2, 3}));
  REQUIRE_THROWS_WITH(m.forward(t, x), Catch::Contains("hnn::mlp::forward"));
}
