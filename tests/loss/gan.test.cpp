// Tests for hamgen/loss/gan.hpp: closed forms, label-smoothing presets, gradient checks incl. R1.
#include <catch2/catch.hpp>

#include <cmath>

#include <hamgen/autodiff/gradcheck.hpp>
#include <hamgen/loss/gan.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

namespace {
double ref_bce_logit(double x, double y) {
  const double s = 1.0 / (1.0 + std::exp(-x));
  return -(y * std::log(s) + (1 - y) * std::log(1 - s));
}
} // namespace

TEST_CASE("loss::bce_with_logits and bce match the definition", "[loss][gan]") {
  tape t;
  const std::vector<double> xs{-3.0, -0.5, 0.0, 0.7, 4.0};
  auto x = t.variable(tensor<double>::from({5}, xs));
  for (double y : {0.0, 0.7, 0.9, 1.0}) {
    double ref = 0, refp = 0;
    for (double v : xs) ref += ref_bce_logit(v, y) / 5;
    REQUIRE(loss::bce_with_logits(x, y).item() == Approx(ref).epsilon(1e-13));
    auto p = ad::sigmoid(x);
    for (double v : xs) refp += ref_bce_logit(v, y) / 5;
    REQUIRE(loss::bce(p, y).item() == Approx(refp).epsilon(1e-12));
  }
  // large logits stay finite in the logit form
  auto big = t.variable(tensor<double>::from({2}, {800.0, -800.0}));
  REQUIRE(loss::bce_with_logits(big, 1.0).item() == Approx(400.0));
  REQUIRE_THROWS_WITH(loss::bce_with_logits(x, 1.5), Catch::Contains("loss::bce_with_logits"));
  REQUIRE_THROWS_WITH(loss::bce(x, 0.5), Catch::Contains("loss::bce"));
}

TEST_CASE("loss: HGAN label presets and the discriminator / generator losses", "[loss][gan]") {
  REQUIRE(loss::hgan_original.real == 0.9);
  REQUIRE(loss::hgan_original.generator == 0.9);
  REQUIRE(loss::hgan_head.real == 0.7);
  REQUIRE(loss::hgan_head.generator == 1.0);
  tape t;
  auto dr = t.variable(tensor<double>::from({2}, {1.0, 2.0}));
  auto df = t.variable(tensor<double>::from({2}, {-1.0, 0.5}));
  const double d_ref = (ref_bce_logit(1, 0.7) + ref_bce_logit(2, 0.7)) / 2 +
                       (ref_bce_logit(-1, 0) + ref_bce_logit(0.5, 0)) / 2;
  REQUIRE(loss::discriminator_loss(dr, df, loss::hgan_head).item() == Approx(d_ref).epsilon(1e-13));
  // non-saturating: −mean log σ(d_fake) for target 1
  const double g_ref = -(std::log(1 / (1 + std::exp(1.0))) + std::log(1 / (1 + std::exp(-0.5)))) / 2;
  REQUIRE(loss::generator_loss(df, loss::hgan_head).item() == Approx(g_ref).epsilon(1e-13));
}

TEST_CASE("loss: gradient checks of the GAN losses", "[loss][gan]") {
  generator g(1);
  tensor<double> x({3, 2}), y({3, 2});
  for (auto& v : x) v = 2 * g.normal();
  for (auto& v : y) v = g.uniform();
  auto r = ad::gradcheck(
      [](tape&, const std::vector<var<double>>& v) { return loss::bce_with_logits(v[0], 0.9); }, {x});
  INFO(r.report);
  REQUIRE(r.ok);
  r = ad::gradcheck(
      [](tape&, const std::vector<var<double>>& v) { return loss::bce_with_logits(v[0], v[1]); }, {x, y});
  INFO(r.report);
  REQUIRE(r.ok);
  r = ad::gradcheck(
      [](tape&, const std::vector<var<double>>& v) { return loss::bce(ad::sigmoid(v[0]), 0.7); }, {x});
  INFO(r.report);
  REQUIRE(r.ok);
  r = ad::gradcheck(
      [](tape&, const std::vector<var<double>>& v) {
        return ad::add(loss::discriminator_loss(v[0], v[1], loss::hgan_head), loss::generator_loss(v[1]));
      },
      {x, y});
  INFO(r.report);
  REQUIRE(r.ok);
}

TEST_CASE("loss::r1_penalty: closed form for a linear D and gradcheck through double backprop",
          "[loss][gan]") {
  {
    // D(x) = x w: ∇ₓ Σ D = w for every sample, so R1 = γ/2 · ‖w‖².
    tape t;
    auto x = t.variable(tensor<double>::from({4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1}));
    auto w = t.variable(tensor<double>::from({3, 1}, {0.5, -1.0, 2.0}));
    auto d = ad::matmul(x, w);
    REQUIRE(loss::r1_penalty(t, d, x, 10.0).item() == Approx(5.0 * (0.25 + 1 + 4)).epsilon(1e-14));
  }
  generator g(2);
  tensor<double> x({3, 4}), w1({4, 5}), w2({5, 1});
  for (auto* tt : {&x, &w1, &w2})
    for (auto& v : *tt) v = g.normal();
  auto r = ad::gradcheck(
      [](tape& t, const std::vector<var<double>>& v) {
        auto d =
            ad::sigmoid(ad::matmul(ad::tanh(ad::matmul(v[0], v[1])), v[2])); // post-sigmoid, as HGAN HEAD
        return loss::r1_penalty(t, d, v[0], 10.0);
      },
      {x, w1, w2});
  INFO(r.report);
  REQUIRE(r.ok);
  tape t;
  auto c = t.constant(x);
  REQUIRE_THROWS_WITH(loss::r1_penalty(t, c, c), Catch::Contains("loss::r1_penalty"));
}
