// hamgen/loss/vae.hpp
//
// Represents: the VAE pieces of HALO (Kingma & Welling 2014, "Auto-Encoding Variational Bayes") as
//             free functions on autodiff vars:
//               reparameterize(mu, logvar, eps)   z = μ + exp(½ logvar) ⊙ ε  (ε ~ N(0, I) given);
//               kl_standard(mu, logvar)           Σ ½(μ² + σ² − log σ² − 1)  KL(N(μ, σ²) ‖ N(0, I));
//               kl_gaussian(mu, logvar, mu_p, logvar_p)
//                                                 Σ ½(logvar_p − logvar + (σ² + (μ − μ_p)²)/σ_p² − 1)
//                                                 KL(N(μ, σ²) ‖ N(μ_p, σ_p²)), diagonal;
//               mse_sum(x, y)                     Σ (x − y)²  (HALO's summed-MSE reconstruction);
//               gaussian_nll(x, mean, logvar)     Σ ½(log 2π + logvar + (x − mean)²/exp(logvar));
//               bernoulli_nll_logits(logits, x)   Σ softplus(l) − x·l  (= −Σ log Bernoulli(x; σ(l)));
//               per_batch(loss, B)                loss / B (HALO divides every sum by the batch);
//               beta_vae(recon, kl, β)            recon + β·kl (Higgins et al. 2017; HALO's BetaZ/BetaV).
//             All sums run over every element (batch included), as the HALO reference code does.
// Requires:   matching shapes (shape_error naming the function otherwise).
// Ensures:    rank-0 vars except reparameterize; differentiable to any order.
#pragma once

#include <cmath>
#include <numbers>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/core/error.hpp>

namespace hamgen::loss {

namespace ad = hamgen::autodiff;

template <class T, class D>
var<T, D> reparameterize(const var<T, D>& mu, const var<T, D>& logvar, const var<T, D>& eps) {
  check_same_shape("loss::reparameterize", mu.shape(), logvar.shape());
  check_same_shape("loss::reparameterize", mu.shape(), eps.shape());
  return ad::add(mu, ad::mul(ad::exp(ad::scale(logvar, T(0.5))), eps));
}

template <class T, class D>
var<T, D> kl_standard(const var<T, D>& mu, const var<T, D>& logvar) {
  check_same_shape("loss::kl_standard", mu.shape(), logvar.shape());
  auto s = ad::sub(ad::add(ad::square(mu), ad::exp(logvar)), logvar);
  return ad::scale(ad::affine(ad::sum(s), T(1), T(-double(mu.size()))), T(0.5));
}

template <class T, class D>
var<T, D> kl_gaussian(const var<T, D>& mu, const var<T, D>& logvar, const var<T, D>& mu_p,
                      const var<T, D>& logvar_p) {
  check_same_shape("loss::kl_gaussian", mu.shape(), logvar.shape());
  check_same_shape("loss::kl_gaussian", mu.shape(), mu_p.shape());
  check_same_shape("loss::kl_gaussian", mu.shape(), logvar_p.shape());
  auto num = ad::add(ad::exp(logvar), ad::square(ad::sub(mu, mu_p)));
  auto s = ad::add(ad::sub(logvar_p, logvar), ad::mul(num, ad::exp(ad::neg(logvar_p))));
  return ad::scale(ad::affine(ad::sum(s), T(1), T(-double(mu.size()))), T(0.5));
}

template <class T, class D>
var<T, D> mse_sum(const var<T, D>& x, const var<T, D>& y) {
  check_same_shape("loss::mse_sum", x.shape(), y.shape());
  return ad::sum_squares(ad::sub(x, y));
}

template <class T, class D>
var<T, D> gaussian_nll(const var<T, D>& x, const var<T, D>& mean, const var<T, D>& logvar) {
  check_same_shape("loss::gaussian_nll", x.shape(), mean.shape());
  check_same_shape("loss::gaussian_nll", x.shape(), logvar.shape());
  auto s = ad::add(logvar, ad::mul(ad::square(ad::sub(x, mean)), ad::exp(ad::neg(logvar))));
  const double c = std::log(2.0 * std::numbers::pi) * double(x.size());
  return ad::scale(ad::affine(ad::sum(s), T(1), T(c)), T(0.5));
}

template <class T, class D>
var<T, D> bernoulli_nll_logits(const var<T, D>& logits, const var<T, D>& x) {
  check_same_shape("loss::bernoulli_nll_logits", logits.shape(), x.shape());
  return ad::sum(ad::sub(ad::softplus(logits), ad::mul(logits, x)));
}

template <class T, class D>
var<T, D> per_batch(const var<T, D>& loss, std::size_t batch) {
  HAMGEN_CHECK(batch > 0, "loss::per_batch: batch is zero");
  return ad::scale(loss, T(1.0 / double(batch)));
}

template <class T, class D>
var<T, D> beta_vae(const var<T, D>& recon, const var<T, D>& kl, double beta) {
  HAMGEN_CHECK(std::isfinite(beta) && beta >= 0, "loss::beta_vae: beta ", beta, " must be finite and >= 0");
  return ad::add(recon, ad::scale(kl, T(beta)));
}

} // namespace hamgen::loss
