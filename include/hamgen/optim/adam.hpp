// hamgen/optim/adam.hpp
//
// Represents: optim::adam (Kingma & Ba 2015) and optim::adamw (Loshchilov & Hutter 2019), with
//             PyTorch's update order:
//               adam:  g ← g + λθ;  m ← β₁m + (1-β₁)g;  v ← β₂v + (1-β₂)g²;
//                      θ ← θ - (lr / (1-β₁ᵗ)) · m / (√v / √(1-β₂ᵗ) + eps)
//               adamw: θ ← θ(1 - lr·λ), then the same update without the λθ term.
// Requires:   parameters from nn::named_parameters(model); their grad tensors filled by backward.
// Ensures:    zero_grad() zeroes every gradient; visit_state(f, prefix) exposes step, exp_avg and
//             exp_avg_sq per parameter name, so a checkpoint resumes bit-exactly.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <hamgen/nn/module.hpp>

namespace hamgen::optim {

struct adam_options {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool decoupled_weight_decay = false; ///< true: AdamW
};

template <class T = float, class D = cpu_t>
class adam {
public:
  adam(std::vector<nn::named_parameter<T, D>> params, adam_options o = {})
      : params_(std::move(params)), opt_(o), step_(shape{1}, 0) {
    HAMGEN_CHECK(o.lr >= 0 && o.eps >= 0 && o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1,
                 "adam: invalid options (lr=", o.lr, ", betas=(", o.beta1, ", ", o.beta2, "), eps=", o.eps,
                 ")");
    for (auto& p : params_) {
      m_.push_back(tensor<T, D>::zeros(p.param->value.shape()));
      v_.push_back(tensor<T, D>::zeros(p.param->value.shape()));
    }
  }

  void step() {
    const std::int64_t t = ++step_[0];
    const double bc1 = 1 - std::pow(opt_.beta1, double(t)), bc2 = 1 - std::pow(opt_.beta2, double(t));
    const T b1 = T(opt_.beta1), b2 = T(opt_.beta2), eps = T(opt_.eps), wd = T(opt_.weight_decay);
    const T step_size = T(opt_.lr / bc1), sqrt_bc2 = T(std::sqrt(bc2));
    for (std::size_t k = 0; k < params_.size(); ++k) {
      auto& p = *params_[k].param;
      if (p.grad.shape() != p.value.shape()) continue; // never bound: no gradient
      auto th = p.value.as_array();
      auto g = p.grad.as_array();
      auto m = m_[k].as_array();
      auto v = v_[k].as_array();
      if (opt_.decoupled_weight_decay) {
        if (wd != T(0)) th *= T(1) - T(opt_.lr) * wd;
        m = b1 * m + (T(1) - b1) * g;
        v = b2 * v + (T(1) - b2) * g.square();
      } else if (wd != T(0)) {
        m = b1 * m + (T(1) - b1) * (g + wd * th);
        v = b2 * v + (T(1) - b2) * (g + wd * th).square();
      } else {
        m = b1 * m + (T(1) - b1) * g;
        v = b2 * v + (T(1) - b2) * g.square();
      }
      th -= step_size * m / (v.sqrt() / sqrt_bc2 + eps);
    }
  }

  void zero_grad() {
    for (auto& p : params_) p.param->zero_grad();
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    f(prefix + "step", step_);
    for (std::size_t k = 0; k < params_.size(); ++k) {
      f(prefix + params_[k].name + ".exp_avg", m_[k]);
      f(prefix + params_[k].name + ".exp_avg_sq", v_[k]);
    }
  }
  adam_options& options() noexcept { return opt_; }
  std::int64_t steps() const noexcept { return step_[0]; }

private:
  std::vector<nn::named_parameter<T, D>> params_;
  adam_options opt_;
  std::vector<tensor<T, D>> m_, v_;
  tensor<std::int64_t> step_;
};

/// AdamW: Adam with decoupled weight decay (default λ = 0.01 as in PyTorch).
template <class T = float, class D = cpu_t>
adam<T, D> adamw(std::vector<nn::named_parameter<T, D>> params, adam_options o = {.weight_decay = 0.01}) {
  o.decoupled_weight_decay = true;
  return adam<T, D>(std::move(params), o);
}

} // namespace hamgen::optim
