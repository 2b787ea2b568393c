// hamgen/nn/linear.hpp
//
// Represents: nn::linear, y = x Wᵀ + b (PyTorch layout: W is [out, in], b is [out]).
// Requires:   input of shape [N, in].
// Ensures:    output [N, out]; shape_error "linear(in=4, out=3)::forward: input has shape [..],
//             expected [N, 4]"; PyTorch default initialisation (U(±1/√in)) from the given
//             generator (nn::default_generator() if none). Double backprop through forward.
#pragma once

#include <string>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/nn/init.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::nn {

struct linear_options {
  std::size_t in = 0;
  std::size_t out = 0;
  bool bias = true;
};

template <class T = float, class D = cpu_t>
class linear {
public:
  using value_type = T;
  using device_type = D;

  explicit linear(linear_options o, generator& g = default_generator()) : opt_(o) {
    HAMGEN_CHECK(o.in > 0 && o.out > 0, "linear: in and out must be positive (in=", o.in, ", out=", o.out,
                 ")");
    tensor<T, D> w(shape{o.out, o.in}), b(shape{o.out});
    init::pytorch_default(w, o.bias ? &b : nullptr, g);
    weight = parameter<T, D>(std::move(w));
    if (o.bias) bias = parameter<T, D>(std::move(b));
  }

  var<T, D> forward(tape& t, const var<T, D>& x) {
    HAMGEN_CHECK_SHAPE(x.shape().rank() == 2 && x.shape()[1] == opt_.in, "linear(in=", opt_.in,
                       ", out=", opt_.out, ")::forward: input has shape ", x.shape(), ", expected [N, ",
                       opt_.in, "]");
    auto y = autodiff::matmul(x, weight.bind(t), false, true);
    return opt_.bias ? autodiff::bias_add(y, bias.bind(t), 1) : y;
  }

  void train(bool on) noexcept { training_ = on; }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    f(prefix + "weight", weight);
    if (opt_.bias) f(prefix + "bias", bias);
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    f(prefix + "weight", weight.value);
    if (opt_.bias) f(prefix + "bias", bias.value);
  }
  const linear_options& options() const noexcept { return opt_; }

  parameter<T, D> weight, bias;

private:
  linear_options opt_;
  bool training_ = true;
};

} // namespace hamgen::nn
