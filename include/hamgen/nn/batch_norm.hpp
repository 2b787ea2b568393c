// hamgen/nn/batch_norm.hpp
//
// Represents: batch normalisation (Ioffe & Szegedy 2015) over the channel axis 1 of [N, C, *]:
//             batch_norm1d ([N, C] or [N, C, L]), batch_norm2d ([N, C, H, W]), batch_norm3d
//             ([N, C, D, H, W]). Train mode: y = γ (x - μ_B)/√(σ²_B + eps) + β with the biased batch
//             variance, running stats updated as r ← (1 - momentum) r + momentum s with the
//             *unbiased* variance (PyTorch's convention). Eval mode uses the running stats.
// Requires:   input rank as above, C = num_features; at least 2 values per channel in train mode.
// Ensures:    composed from differentiable ops, so gradients of gradients (R1 through a BN
//             discriminator) are exact; state names weight, bias, running_mean, running_var,
//             num_batches_tracked.
#pragma once

#include <cstdint>
#include <string>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::nn {

struct batch_norm_options {
  std::size_t features = 0;
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
};

template <std::size_t MinRank, std::size_t MaxRank, class T = float, class D = cpu_t>
class batch_norm {
public:
  using value_type = T;
  using device_type = D;

  explicit batch_norm(batch_norm_options o)
      : running_mean(tensor<T, D>::zeros(shape{o.features})),
        running_var(tensor<T, D>::ones(shape{o.features})), num_batches_tracked(shape{1}, 0), opt_(o) {
    HAMGEN_CHECK(o.features > 0, "batch_norm: features must be positive");
    if (o.affine) {
      weight = parameter<T, D>(tensor<T, D>::ones(shape{o.features}));
      bias = parameter<T, D>(tensor<T, D>::zeros(shape{o.features}));
    }
  }

  var<T, D> forward(tape& t, const var<T, D>& x) {
    namespace ad = hamgen::autodiff;
    const auto& s = x.shape();
    HAMGEN_CHECK_SHAPE(s.rank() >= MinRank && s.rank() <= MaxRank && s[1] == opt_.features, name(),
                       "::forward: input has shape ", s, ", expected rank ", MinRank,
                       MinRank == MaxRank ? "" : " or more", " with ", opt_.features, " channels on axis 1");
    const std::size_t count = x.size() / opt_.features;
    var<T, D> xhat;
    if (training_ || !opt_.track_running_stats) {
      HAMGEN_CHECK_SHAPE(count > 1, name(),
                         "::forward: need more than 1 value per channel in train mode, input has shape ", s);
      auto mean = ad::scale(ad::sum_except(x, 1), T(1) / T(count));
      auto xc = ad::sub(x, ad::broadcast_axis(mean, s, 1));
      auto var_b = ad::scale(ad::sum_except(ad::square(xc), 1), T(1) / T(count));
      auto inv = ad::reciprocal(ad::sqrt(ad::affine(var_b, T(1), static_cast<T>(opt_.eps))));
      xhat = ad::channel_mul(xc, inv, 1);
      if (opt_.track_running_stats && training_) {
        const T m = static_cast<T>(opt_.momentum), unb = T(count) / T(count - 1);
        for (std::size_t c = 0; c < opt_.features; ++c) {
          running_mean[c] = (T(1) - m) * running_mean[c] + m * mean.value()[c];
          running_var[c] = (T(1) - m) * running_var[c] + m * var_b.value()[c] * unb;
        }
        ++num_batches_tracked[0];
      }
    } else {
      tensor<T, D> inv(shape{opt_.features}), shift(shape{opt_.features});
      for (std::size_t c = 0; c < opt_.features; ++c) {
        inv[c] = T(1) / std::sqrt(running_var[c] + static_cast<T>(opt_.eps));
        shift[c] = -running_mean[c] * inv[c];
      }
      xhat = ad::bias_add(ad::channel_mul(x, t.constant(inv), 1), t.constant(shift), 1);
    }
    if (!opt_.affine) return xhat;
    return ad::bias_add(ad::channel_mul(xhat, weight.bind(t), 1), bias.bind(t), 1);
  }

  void train(bool on) noexcept { training_ = on; }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    if (opt_.affine) {
      f(prefix + "weight", weight);
      f(prefix + "bias", bias);
    }
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    if (opt_.affine) {
      f(prefix + "weight", weight.value);
      f(prefix + "bias", bias.value);
    }
    if (opt_.track_running_stats) {
      f(prefix + "running_mean", running_mean);
      f(prefix + "running_var", running_var);
      f(prefix + "num_batches_tracked", num_batches_tracked);
    }
  }

  parameter<T, D> weight, bias;
  tensor<T, D> running_mean, running_var;
  tensor<std::int64_t> num_batches_tracked;

private:
  static const char* name() {
    if constexpr (MinRank == 2)
      return "batch_norm1d";
    else if constexpr (MinRank == 4)
      return "batch_norm2d";
    else
      return "batch_norm3d";
  }
  batch_norm_options opt_;
  bool training_ = true;
};

template <class T = float, class D = cpu_t>
using batch_norm1d = batch_norm<2, 3, T, D>;
template <class T = float, class D = cpu_t>
using batch_norm2d = batch_norm<4, 4, T, D>;
template <class T = float, class D = cpu_t>
using batch_norm3d = batch_norm<5, 5, T, D>;

} // namespace hamgen::nn
