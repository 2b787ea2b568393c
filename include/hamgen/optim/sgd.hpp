// hamgen/optim/sgd.hpp
//
// Represents: optim::sgd with momentum, dampening, Nesterov and L2 weight decay, PyTorch's update:
//               g ← g + λθ;  b ← g (first step) or μb + (1-τ)g;  g ← g + μb (Nesterov) or b;
//               θ ← θ - lr·g.
// Requires:   parameters from nn::named_parameters(model).
// Ensures:    visit_state exposes step and momentum_buffer per parameter (bit-exact resume).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <hamgen/nn/module.hpp>

namespace hamgen::optim {

struct sgd_options {
  double lr = 1e-2;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

template <class T = float, class D = cpu_t>
class sgd {
public:
  sgd(std::vector<nn::named_parameter<T, D>> params, sgd_options o = {})
      : params_(std::move(params)), opt_(o), step_(shape{1}, 0) {
    HAMGEN_CHECK(o.lr >= 0 && o.momentum >= 0, "sgd: invalid options (lr=", o.lr, ", momentum=", o.momentum,
                 ")");
    HAMGEN_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
                 "sgd: Nesterov needs momentum > 0 and no dampening");
    for (auto& p : params_) buf_.push_back(tensor<T, D>::zeros(p.param->value.shape()));
  }

  void step() {
    const bool first = step_[0]++ == 0;
    const T lr = T(opt_.lr), mu = T(opt_.momentum), damp = T(opt_.dampening), wd = T(opt_.weight_decay);
    for (std::size_t k = 0; k < params_.size(); ++k) {
      auto& p = *params_[k].param;
      if (p.grad.shape() != p.value.shape()) continue;
      auto th = p.value.as_array();
      tensor<T, D> gt = p.grad;
      auto g = gt.as_array();
      if (wd != T(0)) g += wd * th;
      if (mu != T(0)) {
        auto b = buf_[k].as_array();
        if (first)
          b = g;
        else
          b = mu * b + (T(1) - damp) * g;
        if (opt_.nesterov)
          g += mu * b;
        else
          g = b;
      }
      th -= lr * g;
    }
  }
  void zero_grad() {
    for (auto& p : params_) p.param->zero_grad();
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    f(prefix + "step", step_);
    for (std::size_t k = 0; k < params_.size(); ++k)
      f(prefix + params_[k].name + ".momentum_buffer", buf_[k]);
  }

private:
  std::vector<nn::named_parameter<T, D>> params_;
  sgd_options opt_;
  std::vector<tensor<T, D>> buf_;
  tensor<std::int64_t> step_;
};

} // namespace hamgen::optim
