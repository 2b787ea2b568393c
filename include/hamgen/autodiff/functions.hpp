// hamgen/autodiff/functions.hpp
//
// Represents: the differentiable tensor ops on var<T, Device>: arithmetic, activations, matmul,
//             reductions, per-axis broadcasts, reshape/permute, slice/concat, masks. Each op
//             computes its value through the ops facade (hamgen/ops) and records one tape node
//             whose backward closure is written with these same ops, so the backward pass is
//             differentiable (create_graph) and, with recording off, runs as plain tensor code.
// Requires:   operands on the same tape; shapes as stated per op (shape_error names the op and
//             both shapes otherwise).
// Ensures:    derivative formulas: d tanh = 1 - tanh², d sigmoid = s(1 - s), d softplus = sigmoid,
//             d elu = 1 (x > 0), alpha e^x (x <= 0), d relu = [x > 0] (0 at the kink, as PyTorch),
//             matmul adjoints Ḡ Bᵀ and Aᵀ Ḡ (Giles, "Collected matrix derivative results", 2008).
#pragma once

#include <vector>

#include <hamgen/autodiff/grad.hpp>
#include <hamgen/autodiff/tape.hpp>
#include <hamgen/ops/ops.hpp>

namespace hamgen::autodiff {

template <class T, class D>
var<T, D> add(var<T, D> a, var<T, D> b);
template <class T, class D>
var<T, D> mul(var<T, D> a, var<T, D> b);
template <class T, class D>
var<T, D> affine(var<T, D> a, T scale, T shift);
template <class T, class D>
var<T, D> sum_except(var<T, D> x, std::size_t axis);
template <class T, class D>
var<T, D> broadcast_axis(var<T, D> b, const shape& s, std::size_t axis);
template <class T, class D>
var<T, D> sum_axis(var<T, D> x, std::size_t axis);
template <class T, class D>
var<T, D> expand_axis(var<T, D> x, std::size_t axis, std::size_t n);
template <class T, class D>
var<T, D> slice(var<T, D> x, std::size_t axis, std::size_t begin, std::size_t end);
template <class T, class D>
var<T, D> div(var<T, D> a, var<T, D> b);
template <class T, class D>
var<T, D> pad_axis(var<T, D> x, const shape& full, std::size_t axis, std::size_t begin);
template <class T, class D>
var<T, D> channel_mul(var<T, D> x, var<T, D> scale, std::size_t axis);

/// A constant on x's tape.
template <class T, class D>
var<T, D> constant_like(var<T, D> x, tensor<T, D> v) {
  return x.get_tape().constant(std::move(v));
}

namespace detail {
/// Adds to input k's gradient an elementwise map of the output gradient: without create_graph
/// `in_place(g)` overwrites the gradient's own buffer when the sweep can give it away
/// (backward_context::take_grad; no new tensor), under create_graph the differentiable
/// `recorded()` is used. Both must compute the same values.
template <class T, class D, class InPlace, class Recorded>
void accumulate_map(backward_context<T, D>& c, std::size_t k, InPlace&& in_place, Recorded&& recorded) {
  if (!c.needs(k)) return;
  if (c.create_graph()) {
    c.accumulate(k, recorded());
    return;
  }
  tensor<T, D> g = c.take_grad();
  in_place(g);
  c.accumulate(k, c.get_tape().constant(std::move(g)));
}
} // namespace detail

// --- arithmetic ----------------------------------------------------------------------------------

template <class T, class D>
var<T, D> add(var<T, D> a, var<T, D> b) {
  return detail::add_grads(a, b);
}

template <class T, class D>
var<T, D> sub(var<T, D> a, var<T, D> b) {
  return record(
      a.get_tape(), "sub", ops::sub(a.value(), b.value()), {a, b},
      [](backward_context<T, D>& c) {
        c.accumulate(0, c.grad());
        if (c.needs(1)) c.accumulate(1, affine(c.grad(), T(-1), T(0)));
      },
      output_unread);
}

template <class T, class D>
var<T, D> mul(var<T, D> a, var<T, D> b) {
  return record(
      a.get_tape(), "mul", ops::mul(a.value(), b.value()), {a, b},
      [](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, mul(c.grad(), c.input(1)));
        if (c.needs(1)) c.accumulate(1, mul(c.grad(), c.input(0)));
      },
      output_unread);
}

template <class T, class D>
var<T, D> div(var<T, D> a, var<T, D> b) {
  return record(a.get_tape(), "div", ops::div(a.value(), b.value()), {a, b}, [](backward_context<T, D>& c) {
    if (c.needs(0)) c.accumulate(0, div(c.grad(), c.input(1)));
    if (c.needs(1)) c.accumulate(1, affine(mul(c.grad(), div(c.output(), c.input(1))), T(-1), T(0)));
  });
}

/// scale * a + shift (scalars).
template <class T, class D>
var<T, D> affine(var<T, D> a, T scale, T shift) {
  return record(
      a.get_tape(), "affine", ops::affine(a.value(), scale, shift), {a},
      [scale](backward_context<T, D>& c) { c.accumulate(0, affine(c.grad(), scale, T(0))); }, output_unread);
}
template <class T, class D>
var<T, D> scale(var<T, D> a, T s) {
  return affine(a, s, T(0));
}
template <class T, class D>
var<T, D> neg(var<T, D> a) {
  return affine(a, T(-1), T(0));
}

/// a * m with m a constant tensor of a's shape (masks: dropout, activation derivatives).
template <class T, class D>
var<T, D> mul_const(var<T, D> a, const tensor<T, D>& m) {
  return mul(a, constant_like(a, m));
}

// --- elementwise functions ---------------------------------------------------------------------

namespace detail {
template <class T, class D, class F>
var<T, D> unary_op(const char* name, ops::unary_kind k, var<T, D> x, T alpha, F&& bw, record_options o = {}) {
  return record(x.get_tape(), name, ops::unary(k, x.value(), alpha), {x}, std::forward<F>(bw), o);
}
} // namespace detail

template <class T, class D>
var<T, D> exp(var<T, D> x) {
  return detail::unary_op("exp", ops::unary_kind::exp, x, T(0),
                          [](backward_context<T, D>& c) { c.accumulate(0, mul(c.grad(), c.output())); });
}
template <class T, class D>
var<T, D> reciprocal(var<T, D> x);
template <class T, class D>
var<T, D> log(var<T, D> x) {
  return detail::unary_op(
      "log", ops::unary_kind::log, x, T(0),
      [](backward_context<T, D>& c) { c.accumulate(0, mul(c.grad(), reciprocal(c.input(0)))); },
      output_unread);
}
template <class T, class D>
var<T, D> square(var<T, D> x);
template <class T, class D>
var<T, D> reciprocal(var<T, D> x) { // d(1/x) = -1/x²
  return detail::unary_op("reciprocal", ops::unary_kind::reciprocal, x, T(0), [](backward_context<T, D>& c) {
    c.accumulate(0, mul(c.grad(), affine(square(c.output()), T(-1), T(0))));
  });
}
namespace detail {
/// s a ⊙ b (scalar s) with one result tensor: the backward of square without a temporary.
template <class T, class D>
var<T, D> scaled_mul(var<T, D> a, var<T, D> b, T s) {
  tensor<T, D> v = ops::mul(a.value(), b.value());
  ops::affine_inplace(v, s, T(0));
  return record(
      a.get_tape(), "scaled_mul", std::move(v), {a, b},
      [s](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, scaled_mul(c.grad(), c.input(1), s));
        if (c.needs(1)) c.accumulate(1, scaled_mul(c.grad(), c.input(0), s));
      },
      output_unread);
}
} // namespace detail
template <class T, class D>
var<T, D> square(var<T, D> x) {
  return detail::unary_op(
      "square", ops::unary_kind::square, x, T(0),
      [](backward_context<T, D>& c) {
        detail::accumulate_map(
            c, 0,
            [&](tensor<T, D>& g) {
              ops::binary_inplace(ops::binary_kind::mul, g, c.input(0).value(), "square");
              ops::affine_inplace(g, T(2), T(0));
            },
            [&] { return detail::scaled_mul(c.grad(), c.input(0), T(2)); });
      },
      output_unread);
}
template <class T, class D>
var<T, D> sqrt(var<T, D> x) { // d sqrt = 1 / (2 sqrt)
  return detail::unary_op("sqrt", ops::unary_kind::sqrt, x, T(0), [](backward_context<T, D>& c) {
    c.accumulate(0, mul(c.grad(), reciprocal(affine(c.output(), T(2), T(0)))));
  });
}
namespace detail {
/// g (1 - y²) in one pass (tanh's backward, y = tanh(x)); differentiable in g and y:
/// ∂/∂g = 1 - y² (itself again), ∂/∂y = -2 g y.
template <class T, class D>
var<T, D> tanh_backward(var<T, D> g, var<T, D> y) {
  return record(
      g.get_tape(), "tanh_backward",
      ops::binary(ops::binary_kind::tanh_backward, g.value(), y.value(), "tanh_backward"), {g, y},
      [](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, tanh_backward(c.grad(), c.input(1)));
        if (c.needs(1)) c.accumulate(1, affine(mul(mul(c.grad(), c.input(0)), c.input(1)), T(-2), T(0)));
      },
      output_unread);
}
/// g y (1 - y) in one pass (sigmoid's backward, y = sigmoid(x)); ∂/∂g = y (1 - y) (itself
/// again), ∂/∂y = g (1 - 2y).
template <class T, class D>
var<T, D> sigmoid_backward(var<T, D> g, var<T, D> y) {
  return record(
      g.get_tape(), "sigmoid_backward",
      ops::binary(ops::binary_kind::sigmoid_backward, g.value(), y.value(), "sigmoid_backward"), {g, y},
      [](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, sigmoid_backward(c.grad(), c.input(1)));
        if (c.needs(1)) c.accumulate(1, mul(mul(c.grad(), c.input(0)), affine(c.input(1), T(-2), T(1))));
      },
      output_unread);
}
} // namespace detail
template <class T, class D>
var<T, D> tanh(var<T, D> x) {
  return detail::unary_op("tanh", ops::unary_kind::tanh, x, T(0), [](backward_context<T, D>& c) {
    detail::accumulate_map(
        c, 0,
        [&](tensor<T, D>& g) {
          ops::binary_inplace(ops::binary_kind::tanh_backward, g, c.output().value(), "tanh_backward");
        },
        [&] { return detail::tanh_backward(c.grad(), c.output()); });
  });
}
template <class T, class D>
var<T, D> sigmoid(var<T, D> x) {
  return detail::unary_op("sigmoid", ops::unary_kind::sigmoid, x, T(0), [](backward_context<T, D>& c) {
    detail::accumulate_map(
        c, 0,
        [&](tensor<T, D>& g) {
          ops::binary_inplace(ops::binary_kind::sigmoid_backward, g, c.output().value(), "sigmoid_backward");
        },
        [&] { return detail::sigmoid_backward(c.grad(), c.output()); });
  });
}
template <class T, class D>
var<T, D> softplus(var<T, D> x) {
  return detail::unary_op(
      "softplus", ops::unary_kind::softplus, x, T(0),
      [](backward_context<T, D>& c) { c.accumulate(0, mul(c.grad(), sigmoid(c.input(0)))); }, output_unread);
}
namespace detail {
/// g * leaky_step(x) with x held constant (its derivative is 0 almost everywhere): the backward
/// of relu (slope 0) and leaky_relu as one fused op; linear in g, so its own backward is itself.
template <class T, class D>
var<T, D> leaky_relu_backward(var<T, D> g, var<T, D> x, T slope) {
  return record(
      g.get_tape(), "leaky_relu_backward", ops::leaky_relu_backward(g.value(), x.value(), slope), {g},
      [x, slope](backward_context<T, D>& c) { c.accumulate(0, leaky_relu_backward(c.grad(), x, slope)); },
      output_unread);
}
} // namespace detail
template <class T, class D>
var<T, D> relu(var<T, D> x) {
  return detail::unary_op(
      "relu", ops::unary_kind::relu, x, T(0),
      [](backward_context<T, D>& c) {
        detail::accumulate_map(
            c, 0, [&](tensor<T, D>& g) { ops::leaky_relu_backward_inplace(g, c.input(0).value(), T(0)); },
            [&] { return detail::leaky_relu_backward(c.grad(), c.input(0), T(0)); });
      },
      output_unread);
}
template <class T, class D>
var<T, D> leaky_relu(var<T, D> x, T slope) {
  return detail::unary_op(
      "leaky_relu", ops::unary_kind::leaky_relu, x, slope,
      [slope](backward_context<T, D>& c) {
        detail::accumulate_map(
            c, 0, [&](tensor<T, D>& g) { ops::leaky_relu_backward_inplace(g, c.input(0).value(), slope); },
            [&] { return detail::leaky_relu_backward(c.grad(), c.input(0), slope); });
      },
      output_unread);
}
namespace detail {
template <class T, class D>
var<T, D> leaky_relu_inplace_op(const char* name, var<T, D> x, T slope) {
  HAMGEN_CHECK(slope >= T(0), name, ": slope ", slope,
               " is negative; the in-place backward reads the sign of the output, which then differs "
               "from the input's (use the out-of-place op)");
  const auto kind = slope == T(0) ? ops::unary_kind::relu : ops::unary_kind::leaky_relu;
  return record_inplace(
      name, x, [kind, slope](tensor<T, D>& v) { ops::unary_inplace(kind, v, slope); },
      [slope](backward_context<T, D>& c) {
        // y > 0 exactly where x > 0 (slope >= 0), so the mask comes from the output
        detail::accumulate_map(
            c, 0, [&](tensor<T, D>& g) { ops::leaky_relu_backward_inplace(g, c.output().value(), slope); },
            [&] { return detail::leaky_relu_backward(c.grad(), c.output(), slope); });
      });
}
} // namespace detail
/// relu(x) written over x's buffer (PyTorch's relu_ / nn.ReLU(inplace=True)): no new tensor, so
/// a conv or batch norm followed by it keeps one value on the tape instead of two. Same values
/// and gradients (of every order) as relu(x). x must be an op result nothing has read yet whose
/// backward does not read its output (record_inplace); x's var cannot be read afterwards.
template <class T, class D>
var<T, D> relu_inplace(var<T, D> x) {
  return detail::leaky_relu_inplace_op("relu_inplace", x, T(0));
}
/// leaky_relu(x, slope) over x's buffer (slope >= 0); see relu_inplace.
template <class T, class D>
var<T, D> leaky_relu_inplace(var<T, D> x, T slope) {
  return detail::leaky_relu_inplace_op("leaky_relu_inplace", x, slope);
}
/// min(x, 0); derivative [x <= 0].
template <class T, class D>
var<T, D> min_zero(var<T, D> x) {
  return detail::unary_op(
      "min_zero", ops::unary_kind::min_zero, x, T(0),
      [](backward_context<T, D>& c) {
        c.accumulate(0, mul_const(c.grad(), ops::affine(ops::unary(ops::unary_kind::step, c.input(0).value()),
                                                        T(-1), T(1))));
      },
      output_unread);
}
template <class T, class D>
var<T, D> elu(var<T, D> x, T alpha = T(1)) { // elu' = [x > 0] + alpha exp(min(x, 0)) [x <= 0]
  return detail::unary_op(
      "elu", ops::unary_kind::elu, x, alpha,
      [alpha](backward_context<T, D>& c) {
        const auto step = ops::unary(ops::unary_kind::step, c.input(0).value());
        auto neg_part =
            mul_const(affine(exp(min_zero(c.input(0))), alpha, T(0)), ops::affine(step, T(-1), T(1)));
        c.accumulate(0, mul(c.grad(), add(neg_part, constant_like(c.input(0), step))));
      },
      output_unread);
}
template <class T, class D>
var<T, D> cos(var<T, D> x);
template <class T, class D>
var<T, D> sin(var<T, D> x) {
  return detail::unary_op(
      "sin", ops::unary_kind::sin, x, T(0),
      [](backward_context<T, D>& c) { c.accumulate(0, mul(c.grad(), cos(c.input(0)))); }, output_unread);
}
template <class T, class D>
var<T, D> cos(var<T, D> x) {
  return detail::unary_op(
      "cos", ops::unary_kind::cos, x, T(0),
      [](backward_context<T, D>& c) { c.accumulate(0, mul(c.grad(), affine(sin(c.input(0)), T(-1), T(0)))); },
      output_unread);
}
template <class T, class D>
var<T, D> abs(var<T, D> x) {
  return detail::unary_op(
      "abs", ops::unary_kind::abs, x, T(0),
      [](backward_context<T, D>& c) {
        c.accumulate(0, mul_const(c.grad(), ops::unary(ops::unary_kind::sign, c.input(0).value())));
      },
      output_unread);
}

// --- matrix product ------------------------------------------------------------------------------

/// op(a) op(b) for rank-2 a, b (op = transpose when ta / tb).
template <class T, class D>
var<T, D> matmul(var<T, D> a, var<T, D> b, bool ta = false, bool tb = false) {
  return record(
      a.get_tape(), "matmul", ops::matmul(a.value(), b.value(), ta, tb), {a, b},
      [ta, tb](backward_context<T, D>& c) {
        auto g = c.grad();
        auto A = c.input(0), B = c.input(1);
        if (c.needs(0)) {
          if (!ta)
            c.accumulate(0, tb ? matmul(g, B) : matmul(g, B, false, true));
          else
            c.accumulate(0, tb ? matmul(B, g, true, true) : matmul(B, g, false, true));
        }
        if (c.needs(1)) {
          if (!tb)
            c.accumulate(1, ta ? matmul(A, g) : matmul(A, g, true, false));
          else
            c.accumulate(1, ta ? matmul(g, A, true, true) : matmul(g, A, true, false));
        }
      },
      output_unread);
}

// --- reductions and broadcasts -------------------------------------------------------------------

/// x (rank 0) expanded to shape s.
template <class T, class D>
var<T, D> expand_scalar(var<T, D> x, const shape& s);

/// Σ x as a rank-0 var.
template <class T, class D>
var<T, D> sum(var<T, D> x) {
  const shape s = x.shape();
  return record(
      x.get_tape(), "sum", ops::sum(x.value()), {x},
      [s](backward_context<T, D>& c) { c.accumulate(0, expand_scalar(c.grad(), s)); }, output_unread);
}
template <class T, class D>
var<T, D> expand_scalar(var<T, D> x, const shape& s) {
  HAMGEN_CHECK_SHAPE(x.size() == 1, "expand_scalar: x has shape ", x.shape(), ", not one element");
  return record(
      x.get_tape(), "expand_scalar", tensor<T, D>(s, x.value()[0]), {x},
      [](backward_context<T, D>& c) { c.accumulate(0, sum(c.grad())); }, output_unread);
}
/// Mean of all elements (rank 0).
template <class T, class D>
var<T, D> mean(var<T, D> x) {
  return scale(sum(x), T(1) / static_cast<T>(x.size()));
}
/// Σ x² (rank 0).
template <class T, class D>
var<T, D> sum_squares(var<T, D> x) {
  return sum(square(x));
}

/// Per-index sum over every axis but `axis` (rank-1 result of extent x.dim(axis)).
template <class T, class D>
var<T, D> sum_except(var<T, D> x, std::size_t axis) {
  const shape s = x.shape();
  return record(
      x.get_tape(), "sum_except", ops::sum_except(x.value(), axis), {x},
      [s, axis](backward_context<T, D>& c) { c.accumulate(0, broadcast_axis(c.grad(), s, axis)); },
      output_unread);
}
/// Shape-s tensor with y[.., c, ..] = b[c] along axis.
template <class T, class D>
var<T, D> broadcast_axis(var<T, D> b, const shape& s, std::size_t axis) {
  return record(
      b.get_tape(), "broadcast_axis", ops::broadcast_axis(b.value(), s, axis), {b},
      [axis](backward_context<T, D>& c) { c.accumulate(0, sum_except(c.grad(), axis)); }, output_unread);
}
/// Sum over one axis (removed).
template <class T, class D>
var<T, D> sum_axis(var<T, D> x, std::size_t axis) {
  const std::size_t n = x.shape()[axis];
  return record(
      x.get_tape(), "sum_axis", ops::sum_axis(x.value(), axis), {x},
      [axis, n](backward_context<T, D>& c) { c.accumulate(0, expand_axis(c.grad(), axis, n)); },
      output_unread);
}
template <class T, class D>
var<T, D> expand_axis(var<T, D> x, std::size_t axis, std::size_t n) {
  return record(
      x.get_tape(), "expand_axis", ops::expand_axis(x.value(), axis, n), {x},
      [axis](backward_context<T, D>& c) { c.accumulate(0, sum_axis(c.grad(), axis)); }, output_unread);
}
/// Mean over one axis (removed).
template <class T, class D>
var<T, D> mean_axis(var<T, D> x, std::size_t axis) {
  return scale(sum_axis(x, axis), T(1) / static_cast<T>(x.shape()[axis]));
}

/// x + b broadcast along axis (b of extent x.dim(axis)): the bias of Linear and Conv.
template <class T, class D>
var<T, D> bias_add(var<T, D> x, var<T, D> b, std::size_t axis) {
  return record(
      x.get_tape(), "bias_add", ops::channel_affine(x.value(), nullptr, &b.value(), axis, "bias_add"), {x, b},
      [axis](backward_context<T, D>& c) {
        c.accumulate(0, c.grad());
        if (c.needs(1)) c.accumulate(1, sum_except(c.grad(), axis));
      },
      output_unread);
}
/// x * scale broadcast along axis (scale of extent x.dim(axis)).
template <class T, class D>
var<T, D> channel_mul(var<T, D> x, var<T, D> s, std::size_t axis) {
  return record(
      x.get_tape(), "channel_mul", ops::channel_affine(x.value(), &s.value(), nullptr, axis, "channel_mul"),
      {x, s},
      [axis](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, channel_mul(c.grad(), c.input(1), axis));
        if (c.needs(1)) c.accumulate(1, sum_except(mul(c.grad(), c.input(0)), axis));
      },
      output_unread);
}

// --- shape ops -----------------------------------------------------------------------------------

template <class T, class D>
var<T, D> reshape(var<T, D> x, const shape& s) {
  const shape old = x.shape();
  return record(
      x.get_tape(), "reshape", ops::reshape(x.value(), s), {x},
      [old](backward_context<T, D>& c) { c.accumulate(0, reshape(c.grad(), old)); }, output_unread);
}
/// [d0, d1, ...] -> [d0, d1 * ...].
template <class T, class D>
var<T, D> flatten(var<T, D> x) {
  const std::size_t n0 = x.shape().rank() ? x.shape()[0] : 1;
  return reshape(x, shape{n0, x.size() / std::max<std::size_t>(n0, 1)});
}
template <class T, class D>
var<T, D> permute(var<T, D> x, const std::vector<std::size_t>& perm) {
  std::vector<std::size_t> inv(perm.size());
  for (std::size_t k = 0; k < perm.size(); ++k) inv[perm[k] < perm.size() ? perm[k] : 0] = k;
  return record(
      x.get_tape(), "permute", ops::permute(x.value(), perm), {x},
      [inv](backward_context<T, D>& c) { c.accumulate(0, permute(c.grad(), inv)); }, output_unread);
}
/// Rank-2 transpose.
template <class T, class D>
var<T, D> transpose(var<T, D> x) {
  return permute(x, {1, 0});
}
template <class T, class D>
var<T, D> slice(var<T, D> x, std::size_t axis, std::size_t begin, std::size_t end) {
  const shape full = x.shape();
  return record(
      x.get_tape(), "slice", ops::slice(x.value(), axis, begin, end), {x},
      [full, axis, begin](backward_context<T, D>& c) {
        c.accumulate(0, pad_axis(c.grad(), full, axis, begin));
      },
      output_unread);
}
template <class T, class D>
var<T, D> pad_axis(var<T, D> x, const shape& full, std::size_t axis, std::size_t begin) {
  const std::size_t len = x.shape()[axis];
  return record(
      x.get_tape(), "pad_axis", ops::pad_axis(x.value(), full, axis, begin), {x},
      [axis, begin, len](backward_context<T, D>& c) {
        c.accumulate(0, slice(c.grad(), axis, begin, begin + len));
      },
      output_unread);
}
template <class T, class D>
var<T, D> concat(const std::vector<var<T, D>>& xs, std::size_t axis) {
  HAMGEN_CHECK_SHAPE(!xs.empty(), "concat: no inputs");
  std::vector<const tensor<T, D>*> vals;
  std::vector<std::size_t> sizes;
  for (const auto& x : xs) {
    vals.push_back(&x.value());
    sizes.push_back(x.shape().rank() > axis ? x.shape()[axis] : 0);
  }
  return record(
      xs[0].get_tape(), "concat", ops::concat(vals, axis), std::span<const var<T, D>>(xs),
      [sizes, axis](backward_context<T, D>& c) {
        std::size_t at = 0;
        for (std::size_t k = 0; k < sizes.size(); ++k) {
          if (c.needs(k)) c.accumulate(k, slice(c.grad(), axis, at, at + sizes[k]));
          at += sizes[k];
        }
      },
      output_unread);
}
template <class T, class D>
std::vector<var<T, D>> split(var<T, D> x, std::size_t axis, const std::vector<std::size_t>& sizes) {
  std::size_t total = 0;
  for (auto n : sizes) total += n;
  HAMGEN_CHECK_SHAPE(axis < x.shape().rank() && total == x.shape()[axis], "split: sizes add up to ", total,
                     ", shape ", x.shape(), " does not match on axis ", axis);
  std::vector<var<T, D>> r;
  std::size_t at = 0;
  for (auto n : sizes) {
    r.push_back(slice(x, axis, at, at + n));
    at += n;
  }
  return r;
}

// --- operators -----------------------------------------------------------------------------------
template <class T, class D>
var<T, D> operator+(var<T, D> a, var<T, D> b) {
  return add(a, b);
}
template <class T, class D>
var<T, D> operator-(var<T, D> a, var<T, D> b) {
  return sub(a, b);
}
template <class T, class D>
var<T, D> operator*(var<T, D> a, var<T, D> b) {
  return mul(a, b);
}
template <class T, class D>
var<T, D> operator/(var<T, D> a, var<T, D> b) {
  return div(a, b);
}
template <class T, class D>
var<T, D> operator-(var<T, D> a) {
  return neg(a);
}
template <class T, class D>
var<T, D> operator*(var<T, D> a, T s) {
  return scale(a, s);
}
template <class T, class D>
var<T, D> operator*(T s, var<T, D> a) {
  return scale(a, s);
}

} // namespace hamgen::autodiff
