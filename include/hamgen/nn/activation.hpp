// hamgen/nn/activation.hpp
//
// Represents: activation layers (no parameters): relu, leaky_relu (slope, default 0.01), tanh,
//             sigmoid, softplus, elu (alpha, default 1), identity. Each forwards to the
//             differentiable op in hamgen/autodiff/functions.hpp, so double backprop works.
//             relu and leaky_relu take `.inplace = true` (PyTorch's inplace=True): the result
//             overwrites the input's buffer (autodiff::relu_inplace), saving one tensor per layer.
// Requires:   any var; with inplace, an input that autodiff::record_inplace accepts (the output
//             of conv, batch_norm, bias_add, linear, ... that nothing else reads).
// Ensures:    output of the input's shape; PyTorch's formulas (relu'(0) = 0).
#pragma once

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::nn {

struct relu_options {
  /// Overwrite the input's value instead of making a new tensor (PyTorch's nn.ReLU(True));
  /// see autodiff::relu_inplace for when that is allowed.
  bool inplace = false;
};
struct relu : stateless {
  relu() = default;
  explicit relu(relu_options o) : opt(o) {}
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return opt.inplace ? autodiff::relu_inplace(x) : autodiff::relu(x);
  }
  relu_options opt;
};

struct leaky_relu_options {
  double slope = 0.01;
  /// As relu_options::inplace (PyTorch's nn.LeakyReLU(slope, True)); needs slope >= 0.
  bool inplace = false;
};
struct leaky_relu : stateless {
  leaky_relu() = default;
  explicit leaky_relu(leaky_relu_options o) : opt(o) {}
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    const T slope = static_cast<T>(opt.slope);
    return opt.inplace ? autodiff::leaky_relu_inplace(x, slope) : autodiff::leaky_relu(x, slope);
  }
  leaky_relu_options opt;
};

struct tanh : stateless {
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return autodiff::tanh(x);
  }
};

struct sigmoid : stateless {
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return autodiff::sigmoid(x);
  }
};

struct softplus : stateless {
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return autodiff::softplus(x);
  }
};

struct elu_options {
  double alpha = 1.0;
};
struct elu : stateless {
  elu() = default;
  explicit elu(elu_options o) : opt(o) {}
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return autodiff::elu(x, static_cast<T>(opt.alpha));
  }
  elu_options opt;
};

struct identity : stateless {
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return x;
  }
};

/// [N, ...] -> [N, rest] (PyTorch nn.Flatten()).
struct flatten : stateless {
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return autodiff::flatten(x);
  }
};

} // namespace hamgen::nn
