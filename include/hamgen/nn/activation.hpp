// hamgen/nn/activation.hpp
//
// Represents: activation layers (no parameters): relu, leaky_relu (slope, default 0.01), tanh,
//             sigmoid, softplus, elu (alpha, default 1), identity. Each forwards to the
//             differentiable op in hamgen/autodiff/functions.hpp, so double backprop works.
// Requires:   any var.
// Ensures:    output of the input's shape; PyTorch's formulas (relu'(0) = 0).
#pragma once

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::nn {

struct relu : stateless {
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return autodiff::relu(x);
  }
};

struct leaky_relu_options {
  double slope = 0.01;
};
struct leaky_relu : stateless {
  leaky_relu() = default;
  explicit leaky_relu(leaky_relu_options o) : opt(o) {}
  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) const {
    return autodiff::leaky_relu(x, static_cast<T>(opt.slope));
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
