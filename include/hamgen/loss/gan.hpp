// hamgen/loss/gan.hpp
//
// Represents: the GAN losses of HGAN (Allen-Blanchette et al.; Goodfellow et al. 2014) as free
//             functions on autodiff vars (differentiable to any order):
//               bce_with_logits(x, y)   mean over elements of softplus(x) − y·x
//                                       (= −[y log σ(x) + (1 − y) log(1 − σ(x))], stable form);
//               bce(p, y)               mean of −[y log p + (1 − y) log(1 − p)] on probabilities
//                                       (torch.nn.BCELoss without its −100 clamp of
//                                       the logs: p must lie strictly inside (0, 1) where used);
//               discriminator_loss      BCE(D(real), γ_real) + BCE(D(fake), 0);
//               generator_loss          non-saturating: BCE(D(fake), γ_gen) (Goodfellow et al. 2014);
//               r1_penalty(t, d, x)     (γ/2)·mean_i ‖∇ₓ D(x)_i‖² (Mescheder, Geiger & Nowozin 2018),
//                                       double backprop via grad(create_graph) w.r.t. D's input x.
//             Label smoothing presets: hgan_original {0.9, 0.9} (real label 0.9, generator target
//             0.9, DLHacks heritage) and hgan_head {0.7, 1.0} (HGAN HEAD code, used with R1 = 10).
// Requires:   targets in [0, 1]; probabilities in (0, 1); x of r1_penalty a var that requires grad and
//             d computed from it, first axis the batch.
// Ensures:    rank-0 vars; value_error/shape_error naming the function on bad arguments.
#pragma once

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/autodiff/grad.hpp>
#include <hamgen/core/error.hpp>

namespace hamgen::loss {

namespace ad = hamgen::autodiff;

/// Label smoothing: the discriminator's target for real samples and the generator's target.
struct gan_targets {
  double real = 1.0;      ///< γ_D
  double generator = 1.0; ///< γ_G
};
inline constexpr gan_targets hgan_original{0.9, 0.9};
inline constexpr gan_targets hgan_head{0.7, 1.0};

namespace detail {
inline void check_target(const char* who, double y) {
  HAMGEN_CHECK(y >= 0.0 && y <= 1.0, who, ": target ", y, " is outside [0, 1]");
}
} // namespace detail

/// Mean binary cross-entropy of logits x against the constant target y.
template <class T, class D>
var<T, D> bce_with_logits(const var<T, D>& x, double y) {
  detail::check_target("loss::bce_with_logits", y);
  return ad::mean(ad::sub(ad::softplus(x), ad::scale(x, T(y))));
}

/// Mean binary cross-entropy of logits x against per-element targets y (same shape).
template <class T, class D>
var<T, D> bce_with_logits(const var<T, D>& x, const var<T, D>& y) {
  check_same_shape("loss::bce_with_logits", x.shape(), y.shape());
  return ad::mean(ad::sub(ad::softplus(x), ad::mul(x, y)));
}

/// Mean binary cross-entropy of probabilities p against the constant target y (torch.nn.BCELoss).
template <class T, class D>
var<T, D> bce(const var<T, D>& p, double y) {
  detail::check_target("loss::bce", y);
  for (std::size_t i = 0; i < p.size(); ++i)
    HAMGEN_CHECK(p.value()[i] > T(0) && p.value()[i] < T(1), "loss::bce: probability ", p.value()[i],
                 " at element ", i, " is outside (0, 1)");
  var<T, D> s = ad::scale(ad::log(p), T(-y));
  if (y < 1.0) s = ad::sub(s, ad::scale(ad::log(ad::affine(p, T(-1), T(1))), T(1.0 - y)));
  return ad::mean(s);
}

/// Discriminator loss on logits: BCE(d_real, γ_real) + BCE(d_fake, 0).
template <class T, class D>
var<T, D> discriminator_loss(const var<T, D>& d_real_logits, const var<T, D>& d_fake_logits,
                             gan_targets g = hgan_original) {
  return ad::add(bce_with_logits(d_real_logits, g.real), bce_with_logits(d_fake_logits, 0.0));
}

/// Non-saturating generator loss on logits: BCE(d_fake, γ_gen) = −mean log σ(d_fake) for γ_gen = 1.
template <class T, class D>
var<T, D> generator_loss(const var<T, D>& d_fake_logits, gan_targets g = hgan_original) {
  return bce_with_logits(d_fake_logits, g.generator);
}

/// R1 gradient penalty (γ/2)·(1/B)·Σ_i ‖∇ₓ Σ d_i‖², B = x.dim(0). d is D's output for x (logits,
/// or probabilities as in the HGAN HEAD code); the result is differentiable in D's parameters.
template <class T, class D>
var<T, D> r1_penalty(tape& t, const var<T, D>& d, const var<T, D>& x, double gamma = 10.0) {
  HAMGEN_CHECK(x.requires_grad(), "loss::r1_penalty: x must require a gradient (tape::variable)");
  HAMGEN_CHECK_SHAPE(x.shape().rank() >= 1 && x.shape()[0] > 0, "loss::r1_penalty: x has shape ", x.shape());
  auto g = grad(t, ad::sum(d), {x}, {.create_graph = true})[0];
  return ad::scale(ad::sum_squares(g), T(gamma / 2.0 / double(x.shape()[0])));
}

} // namespace hamgen::loss
