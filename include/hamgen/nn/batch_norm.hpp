// hamgen/nn/batch_norm.hpp
//
// Represents: batch normalisation (Ioffe & Szegedy 2015) over the channel axis 1 of [N, C, *]:
//             batch_norm1d ([N, C] or [N, C, L]), batch_norm2d ([N, C, H, W]), batch_norm3d
//             ([N, C, D, H, W]). Train mode: y = γ (x - μ_B)/√(σ²_B + eps) + β with the biased batch
//             variance, running stats updated as r ← (1 - momentum) r + momentum s with the
//             *unbiased* variance (PyTorch's convention). Eval mode uses the running stats.
// Requires:   input rank as above, C = num_features; at least 2 values per channel in train mode.
// Ensures:    train mode: one tape node running the fused kernels of backend/cpu/batch_norm.hpp
//             (two-pass statistics in double); under create_graph its backward is taken through
//             the same formula written with differentiable ops, so gradients of gradients (R1
//             through a BN discriminator) are exact. Eval mode: differentiable per-channel affine
//             map. State names weight, bias, running_mean, running_var,
//             num_batches_tracked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/backend/cpu/batch_norm.hpp>
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
    const auto& s = x.shape();
    HAMGEN_CHECK_SHAPE(s.rank() >= MinRank && s.rank() <= MaxRank && s[1] == opt_.features, name(),
                       "::forward: input has shape ", s, ", expected rank ", MinRank,
                       MinRank == MaxRank ? "" : " or more", " with ", opt_.features, " channels on axis 1");
    const std::size_t count = x.size() / opt_.features;
    if (!(training_ || !opt_.track_running_stats)) return eval_forward(t, x);
    HAMGEN_CHECK_SHAPE(count > 1, name(),
                       "::forward: need more than 1 value per channel in train mode, input has shape ", s);
    // Fused kernels (backend/cpu/batch_norm.hpp) for the value and the non-recording backward;
    // under create_graph the backward goes through the composite form (double backprop).
    using backend::cpu::index_t;
    const backend::cpu::batch_norm_shape sh{index_t(s[0]), index_t(opt_.features), index_t(count / s[0])};
    const backend::cpu::batch_norm_options ko{opt_.eps, opt_.momentum};
    tensor<T, D> y(s), mean(shape{opt_.features}), invstd(shape{opt_.features});
    const bool upd = opt_.track_running_stats && training_;
    const T* gamma = opt_.affine ? weight.value.data() : nullptr;
    const T* beta = opt_.affine ? bias.value.data() : nullptr;
    backend::cpu::batch_norm_forward_train<T>(sh, ko, x.value().data(), gamma, beta, y.data(), mean.data(),
                                              invstd.data(), upd ? running_mean.data() : nullptr,
                                              upd ? running_var.data() : nullptr);
    if (upd) ++num_batches_tracked[0];
    std::vector<var<T, D>> in{x};
    if (opt_.affine) {
      in.push_back(weight.bind(t));
      in.push_back(bias.bind(t));
    }
    const T eps = static_cast<T>(opt_.eps);
    const bool affine = opt_.affine;
    return autodiff::record(
        t, name(), std::move(y), std::span<const var<T, D>>(in),
        [sh, eps, affine, mean = std::move(mean),
         invstd = std::move(invstd)](autodiff::backward_context<T, D>& c) {
          const std::size_t nin = affine ? 3 : 1;
          if (c.create_graph()) {
            autodiff::composite_backward(
                c, nin, [&](const std::vector<var<T, D>>& ins) { return composite_train(ins, eps, affine); });
            return;
          }
          const var<T, D> x_in = c.input(0); // named: the node owns the value
          const auto& xv = x_in.value();
          // dx is formed in the output gradient's buffer when the sweep gives it away (the kernel
          // allows dx == dy): no fresh activation-sized tensor, so no fresh pages to fault in
          tensor<T, D> dx = c.needs(0) ? c.take_grad() : tensor<T, D>();
          const T* dy = c.needs(0) ? dx.data() : c.grad().value().data();
          tensor<T, D> dg(affine && c.needs(1) ? shape{std::size_t(sh.channels)} : shape{});
          tensor<T, D> db(affine && c.needs(2) ? shape{std::size_t(sh.channels)} : shape{});
          backend::cpu::batch_norm_backward_train<T>(
              sh, xv.data(), affine ? c.input(1).value().data() : nullptr, mean.data(), invstd.data(), dy,
              c.needs(0) ? dx.data() : nullptr, affine && c.needs(1) ? dg.data() : nullptr,
              affine && c.needs(2) ? db.data() : nullptr);
          if (c.needs(0)) c.accumulate(0, c.get_tape().constant(std::move(dx)));
          if (affine && c.needs(1)) c.accumulate(1, c.get_tape().constant(std::move(dg)));
          if (affine && c.needs(2)) c.accumulate(2, c.get_tape().constant(std::move(db)));
        },
        autodiff::output_unread);
  }

  /// Train-mode batch norm written with differentiable ops (ins = {x[, γ, β]}).
  static var<T, D> composite_train(const std::vector<var<T, D>>& ins, T eps, bool affine) {
    namespace ad = hamgen::autodiff;
    const auto& x = ins[0];
    const auto& s = x.shape();
    const std::size_t count = x.size() / s[1];
    auto mean = ad::scale(ad::sum_except(x, 1), T(1) / T(count));
    auto xc = ad::sub(x, ad::broadcast_axis(mean, s, 1));
    auto var_b = ad::scale(ad::sum_except(ad::square(xc), 1), T(1) / T(count));
    auto inv = ad::reciprocal(ad::sqrt(ad::affine(var_b, T(1), eps)));
    auto xhat = ad::channel_mul(xc, inv, 1);
    if (!affine) return xhat;
    return ad::bias_add(ad::channel_mul(xhat, ins[1], 1), ins[2], 1);
  }

  var<T, D> eval_forward(tape& t, const var<T, D>& x) {
    namespace ad = hamgen::autodiff;
    tensor<T, D> inv(shape{opt_.features}), shift(shape{opt_.features});
    for (std::size_t c = 0; c < opt_.features; ++c) {
      inv[c] = T(1) / std::sqrt(running_var[c] + static_cast<T>(opt_.eps));
      shift[c] = -running_mean[c] * inv[c];
    }
    auto xhat = ad::bias_add(ad::channel_mul(x, t.constant(inv), 1), t.constant(shift), 1);
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
