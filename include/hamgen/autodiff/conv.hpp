// hamgen/autodiff/conv.hpp
//
// Represents: differentiable convolutions. For one geometry G (ops/conv.hpp) the three maps
//             conv(x, w), conv_data(dy, w) and conv_weight(x, dy) are bilinear, and each one's
//             partial derivatives are again one of the three (the kernels' double-backprop
//             table):
//               conv(x, w):          ḡ ↦ x̄ = conv_data(ḡ, w),   w̄ = conv_weight(x, ḡ)
//               conv_data(dy, w):    ḡ ↦ dȳ = conv(ḡ, w),        w̄ = conv_weight(ḡ, dy)
//               conv_weight(x, dy):  ḡ ↦ x̄ = conv_data(dy, ḡ),  dȳ = conv(x, ḡ)
//             so gradients of any order exist (R1 through a conv discriminator). A transposed
//             convolution is conv_data under its underlying geometry.
//             conv_bias(x, w, b) is conv(x, w) + b in one node (the bias added by the kernel);
//             conv_data_bias(dy, w, b) is conv_data(dy, w) + b likewise (a transposed convolution
//             with bias).
// Requires:   operands of the geometry's shapes.
// Ensures:    one tape node per call; shape_error names the op and the shapes.
#pragma once

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/ops/conv.hpp>

namespace hamgen::autodiff {

template <class T, class D, std::size_t Dim>
var<T, D> conv_data(var<T, D> dy, var<T, D> w, const ops::conv_geometry<Dim>& g);
template <class T, class D, std::size_t Dim>
var<T, D> conv_weight(var<T, D> x, var<T, D> dy, const ops::conv_geometry<Dim>& g);

/// Plain convolution Y = conv(x, w) (no bias; add one with bias_add(y, b, 1)).
template <class T, class D, std::size_t Dim>
var<T, D> conv(var<T, D> x, var<T, D> w, const ops::conv_geometry<Dim>& g) {
  return record(
      x.get_tape(), "conv", ops::conv_forward(x.value(), w.value(), g), {x, w},
      [g](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, conv_data(c.grad(), c.input(1), g));
        if (c.needs(1)) c.accumulate(1, conv_weight(c.input(0), c.grad(), g));
      },
      output_unread);
}
/// conv(x, w) + b (b: one value per output channel) as one node whose kernel adds the bias, so
/// the result is a single tensor (conv followed by bias_add keeps two); same values and gradients:
/// x̄ = conv_data(ḡ, w), w̄ = conv_weight(x, ḡ), b̄ = Σ of ḡ over every axis but the channel axis 1.
template <class T, class D, std::size_t Dim>
var<T, D> conv_bias(var<T, D> x, var<T, D> w, var<T, D> b, const ops::conv_geometry<Dim>& g) {
  return record(
      x.get_tape(), "conv_bias", ops::conv_forward(x.value(), w.value(), g, &b.value()), {x, w, b},
      [g](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, conv_data(c.grad(), c.input(1), g));
        if (c.needs(1)) c.accumulate(1, conv_weight(c.input(0), c.grad(), g));
        if (c.needs(2)) c.accumulate(2, sum_except(c.grad(), 1));
      },
      output_unread);
}
/// ∂/∂x of conv given the output gradient dy (also: the transposed convolution of dy).
template <class T, class D, std::size_t Dim>
var<T, D> conv_data(var<T, D> dy, var<T, D> w, const ops::conv_geometry<Dim>& g) {
  return record(
      dy.get_tape(), "conv_data", ops::conv_backward_data(dy.value(), w.value(), g), {dy, w},
      [g](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, conv(c.grad(), c.input(1), g));
        if (c.needs(1)) c.accumulate(1, conv_weight(c.grad(), c.input(0), g));
      },
      output_unread);
}
/// conv_data(dy, w) + b (b: one value per channel of the result) as one node: a transposed
/// convolution with bias keeps one output tensor. Gradients: dȳ = conv(ḡ, w),
/// w̄ = conv_weight(ḡ, dy), b̄ = Σ of ḡ over every axis but the channel axis 1.
template <class T, class D, std::size_t Dim>
var<T, D> conv_data_bias(var<T, D> dy, var<T, D> w, var<T, D> b, const ops::conv_geometry<Dim>& g) {
  return record(
      dy.get_tape(), "conv_data_bias", ops::conv_backward_data(dy.value(), w.value(), g, &b.value()),
      {dy, w, b},
      [g](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, conv(c.grad(), c.input(1), g));
        if (c.needs(1)) c.accumulate(1, conv_weight(c.grad(), c.input(0), g));
        if (c.needs(2)) c.accumulate(2, sum_except(c.grad(), 1));
      },
      output_unread);
}
/// ∂/∂w of conv given input x and output gradient dy.
template <class T, class D, std::size_t Dim>
var<T, D> conv_weight(var<T, D> x, var<T, D> dy, const ops::conv_geometry<Dim>& g) {
  return record(
      x.get_tape(), "conv_weight", ops::conv_backward_weight(x.value(), dy.value(), g), {x, dy},
      [g](backward_context<T, D>& c) {
        if (c.needs(0)) c.accumulate(0, conv_data(c.input(1), c.grad(), g));
        if (c.needs(1)) c.accumulate(1, conv(c.input(0), c.grad(), g));
      },
      output_unread);
}

} // namespace hamgen::autodiff
