// Tests for hamgen/loss/vae.hpp: closed forms and gradient checks.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include <hamgen/autodiff/gradcheck.hpp>
#include <hamgen/loss/vae.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

TEST_CASE("loss: VAE closed forms", "[loss][vae]") {
  tape t;
  auto mu = t.variable(tensor<double>::from({2}, {0.5, -1.0}));
  auto lv = t.variable(tensor<double>::from({2}, {std::log(2.0), std::log(0.5)}));
  auto eps = t.constant(tensor<double>::from({2}, {1.0, -2.0}));
  auto z = loss::reparameterize(mu, lv, eps);
  REQUIRE(z.value()[0] == Approx(0.5 + std::sqrt(2.0)));
  REQUIRE(z.value()[1] == Approx(-1.0 - 2 * std::sqrt(0.5)));
  // KL(N(μ,σ²)‖N(0,1)) = ½(μ² + σ² − log σ² − 1) per dim
  const double kl = 0.5 * (0.25 + 2 - std::log(2.0) - 1) + 0.5 * (1 + 0.5 - std::log(0.5) - 1);
  REQUIRE(loss::kl_standard(mu, lv).item() == Approx(kl).epsilon(1e-14));
  // general KL against N(μ_p, σ_p²) equals kl_standard when the prior is standard, and 0 against itself
  auto zero = t.constant(tensor<double>::zeros({2}));
  REQUIRE(loss::kl_gaussian(mu, lv, zero, zero).item() == Approx(kl).epsilon(1e-14));
  REQUIRE(std::abs(loss::kl_gaussian(mu, lv, mu, lv).item()) < 1e-15);
  // KL(N(0,1)‖N(1,4)) = log 2 + (1 + 1)/8 − ½
  auto m0 = t.constant(tensor<double>::from({1}, {0.0})), l0 = t.constant(tensor<double>::from({1}, {0.0}));
  auto m1 = t.constant(tensor<double>::from({1}, {1.0})),
       l1 = t.constant(tensor<double>::from({1}, {std::log(4.0)}));
  REQUIRE(loss::kl_gaussian(m0, l0, m1, l1).item() == Approx(std::log(2.0) + 0.25 - 0.5).epsilon(1e-14));
  auto x = t.constant(tensor<double>::from({2}, {1.0, 0.0}));
  REQUIRE(loss::mse_sum(mu, x).item() == Approx(0.25 + 1.0));
  // Gaussian NLL with unit variance = ½ Σ (x − m)² + n/2 log 2π
  REQUIRE(loss::gaussian_nll(x, mu, zero).item() ==
          Approx(0.5 * 1.25 + std::log(2 * std::numbers::pi)).epsilon(1e-14));
  // Bernoulli NLL: −[x log σ(l) + (1 − x) log(1 − σ(l))]
  const double b = -std::log(1 / (1 + std::exp(-0.5))) - std::log(1 - 1 / (1 + std::exp(1.0)));
  REQUIRE(loss::bernoulli_nll_logits(mu, x).item() == Approx(b).epsilon(1e-14));
  REQUIRE(loss::per_batch(loss::mse_sum(mu, x), 5).item() == Approx(0.25));
  REQUIRE(loss::beta_vae(loss::mse_sum(mu, x), loss::kl_standard(mu, lv), 4.0).item() ==
          Approx(1.25 + 4 * kl));
  REQUIRE_THROWS_WITH(loss::mse_sum(mu, m0), Catch::Contains("loss::mse_sum"));
  REQUIRE_THROWS_WITH(loss::beta_vae(mu, mu, -1.0), Catch::Contains("loss::beta_vae"));
}

TEST_CASE("loss: gradient checks of the VAE losses", "[loss][vae]") {
  generator g(3);
  std::vector<tensor<double>> in(4, tensor<double>({2, 3}));
  for (auto& tt : in)
    for (auto& v : tt) v = 0.7 * g.normal();
  for (auto& v : in[3]) v = g.uniform();
  auto chk = [&](auto f, std::vector<tensor<double>> args) {
    auto r = ad::gradcheck(f, args);
    INFO(r.report);
    REQUIRE(r.ok);
  };
  chk(
      [](tape& t, const std::vector<var<double>>& v) {
        return ad::sum(loss::reparameterize(v[0], v[1], t.constant(tensor<double>::ones({2, 3}))));
      },
      {in[0], in[1]});
  chk([](tape&, const std::vector<var<double>>& v) { return loss::kl_standard(v[0], v[1]); }, {in[0], in[1]});
  chk([](tape&, const std::vector<var<double>>& v) { return loss::kl_gaussian(v[0], v[1], v[2], v[3]); }, in);
  chk([](tape&, const std::vector<var<double>>& v) { return loss::mse_sum(v[0], v[1]); }, {in[0], in[1]});
  chk([](tape&, const std::vector<var<double>>& v) { return loss::gaussian_nll(v[0], v[1], v[2]); },
      {in[0], in[1], in[2]});
  chk([](tape&, const std::vector<var<double>>& v) { return loss::bernoulli_nll_logits(v[0], v[1]); },
      {in[0], in[3]});
  chk(
      [](tape&, const std::vector<var<double>>& v) {
        return loss::beta_vae(loss::mse_sum(v[0], v[1]), loss::kl_standard(v[0], v[1]), 0.5);
      },
      {in[0], in[1]});
}
