// hamgen/backend/cpu/elementwise.hpp
//
// Represents: cpu elementwise kernels on raw contiguous buffers: unary maps (activation functions
//             and their derivative masks), the fused relu/leaky_relu backward, binary arithmetic,
//             scaled accumulation, and the
//             per-axis bias broadcast used by Linear/Conv/BatchNorm.
// Requires:   buffers of n elements (x, y may alias for unary/binary kernels); for the axis
//             kernels the tensor is viewed as [outer, c, inner].
// Ensures:    vectorised through Eigen array expressions, split over the cpu pool beyond
//             elementwise_grain elements. Formulas: softplus(x) = max(x,0) + log1p(exp(-|x|))
//             (overflow-free), elu(x) = x (x > 0), alpha*(exp(x) - 1) (x <= 0) (Clevert et al. 2016).
#pragma once

#include <algorithm>
#include <cstddef>

#include <Eigen/Core>

#include <hamgen/backend/cpu/math.hpp>
#include <hamgen/backend/cpu/parallel.hpp>

namespace hamgen::backend::cpu {

enum class unary_kind {
  neg,
  exp,
  log,
  tanh,
  sigmoid,
  relu,
  softplus,
  square,
  sqrt,
  abs,
  sign,       ///< -1, 0, 1
  step,       ///< x > 0 ? 1 : 0
  leaky_relu, ///< x > 0 ? x : alpha x
  leaky_step, ///< x > 0 ? 1 : alpha
  elu,        ///< x > 0 ? x : alpha (exp(x) - 1)
  reciprocal,
  sin,
  cos,
  min_zero, ///< min(x, 0)
};

/// Elementwise ops below this many elements per thread run on the calling thread.
inline constexpr std::size_t elementwise_grain = 32768;

namespace detail {
/// parallel_for over [0, n) with at least `grain` elements per chunk, size_t bounds.
template <class F>
void pfor(std::size_t n, std::size_t grain, F&& f) {
  parallel_for(
      index_t(n), [&](index_t b, index_t e) { f(std::size_t(b), std::size_t(e)); },
      index_t(std::max<std::size_t>(grain, 1)));
}
template <class T>
using carr = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using marr = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;

/// out[i] = src[i] * (x[i] > 0 ? 1 : alpha) (leaky_relu: src = x; its backward: src = g), in
/// blocks of 64: the mask (a select between two constants) and then a plain product, two loops
/// g++ vectorises. Written as one expression, g++ folds it into `x > 0 ? src : alpha * src`,
/// which it does not if-convert (a conditional multiply may trap under -ftrapping-math) and
/// runs as a branchy scalar loop, as slow as Eigen 3.4's select(). out may equal src or x.
template <class T>
void leaky_scale(const T* x, const T* src, T* out, std::size_t n, T alpha) {
  constexpr std::size_t block = 64;
  T m[block];
  for (std::size_t i = 0; i < n; i += block) {
    const std::size_t len = std::min(block, n - i);
    for (std::size_t j = 0; j < len; ++j) m[j] = x[i + j] > T(0) ? T(1) : alpha;
    for (std::size_t j = 0; j < len; ++j) out[i + j] = src[i + j] * m[j];
  }
}
/// y[i] = x[i] > 0 ? 1 : alpha (the mask alone).
template <class T>
void leaky_mask(const T* x, T* y, std::size_t n, T alpha) {
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? T(1) : alpha;
}
} // namespace detail

/// y = f(x) elementwise; `alpha` parameterises leaky_relu, leaky_step and elu.
template <class T>
void unary(unary_kind k, const T* x, T* y, std::size_t n, T alpha = T(0)) {
  detail::pfor(n, elementwise_grain, [&](std::size_t b, std::size_t e) {
    detail::carr<T> X(x + b, Eigen::Index(e - b));
    detail::marr<T> Y(y + b, Eigen::Index(e - b));
    switch (k) {
    case unary_kind::neg:
      Y = -X;
      break;
    case unary_kind::exp:
      Y = X.exp();
      break;
    case unary_kind::log:
      Y = X.log();
      break;
    case unary_kind::tanh: // Eigen 3.4's double tanh is scalar libm; see math.hpp
      tanh_array(x + b, y + b, e - b);
      break;
    case unary_kind::sigmoid:
      Y = T(1) / (T(1) + (-X).exp());
      break;
    case unary_kind::relu:
      Y = X.max(T(0));
      break;
    case unary_kind::softplus:
      Y = X.max(T(0)) + (-X.abs()).exp().log1p();
      break;
    case unary_kind::square:
      Y = X.square();
      break;
    case unary_kind::sqrt:
      Y = X.sqrt();
      break;
    case unary_kind::abs:
      Y = X.abs();
      break;
    case unary_kind::sign:
      Y = X.sign();
      break;
    // the piecewise maps are plain loops: Eigen 3.4's select() does not vectorise (a scalar,
    // branchy loop that mispredicts on signed data); see leaky_scale
    case unary_kind::step:
      detail::leaky_mask(x + b, y + b, e - b, T(0));
      break;
    case unary_kind::leaky_relu:
      detail::leaky_scale(x + b, x + b, y + b, e - b, alpha);
      break;
    case unary_kind::leaky_step:
      detail::leaky_mask(x + b, y + b, e - b, alpha);
      break;
    case unary_kind::elu:
      Y = (X > T(0)).select(X, alpha * (X.min(T(0)).exp() - T(1)));
      break;
    case unary_kind::reciprocal:
      Y = X.inverse();
      break;
    case unary_kind::sin:
      Y = X.sin();
      break;
    case unary_kind::cos:
      Y = X.cos();
      break;
    case unary_kind::min_zero:
      Y = X.min(T(0));
      break;
    }
  });
}

enum class binary_kind {
  add,
  sub,
  mul,
  div,
  tanh_backward,    ///< x (1 - y²): the backward of tanh, x the gradient and y tanh's output
  sigmoid_backward, ///< x y (1 - y): the backward of sigmoid, y its output
};

/// z = x (op) y elementwise.
template <class T>
void binary(binary_kind k, const T* x, const T* y, T* z, std::size_t n) {
  detail::pfor(n, elementwise_grain, [&](std::size_t b, std::size_t e) {
    detail::carr<T> X(x + b, Eigen::Index(e - b)), Y(y + b, Eigen::Index(e - b));
    detail::marr<T> Z(z + b, Eigen::Index(e - b));
    switch (k) {
    case binary_kind::add:
      Z = X + Y;
      break;
    case binary_kind::sub:
      Z = X - Y;
      break;
    case binary_kind::mul:
      Z = X * Y;
      break;
    case binary_kind::div:
      Z = X / Y;
      break;
    case binary_kind::tanh_backward:
      Z = X * (T(1) - Y.square());
      break;
    case binary_kind::sigmoid_backward:
      Z = X * Y * (T(1) - Y);
      break;
    }
  });
}

/// out = x > 0 ? g : alpha g elementwise: the backward of relu (alpha = 0) and leaky_relu in one
/// pass (g and out may alias).
template <class T>
void leaky_relu_backward(const T* g, const T* x, T* out, std::size_t n, T alpha) {
  detail::pfor(n, elementwise_grain, [&](std::size_t b, std::size_t e) {
    detail::leaky_scale(x + b, g + b, out + b, e - b, alpha);
  });
}

/// y = a * x + b elementwise (scalars a, b).
template <class T>
void affine(const T* x, T* y, std::size_t n, T a, T b) {
  detail::pfor(n, elementwise_grain, [&](std::size_t s, std::size_t e) {
    detail::marr<T>(y + s, Eigen::Index(e - s)) = a * detail::carr<T>(x + s, Eigen::Index(e - s)) + b;
  });
}

/// y += a * x.
template <class T>
void axpy(T a, const T* x, T* y, std::size_t n) {
  detail::pfor(n, elementwise_grain, [&](std::size_t s, std::size_t e) {
    detail::marr<T>(y + s, Eigen::Index(e - s)) += a * detail::carr<T>(x + s, Eigen::Index(e - s));
  });
}

/// y[o, c, i] = x[o, c, i] * scale[c] + shift[c] (either pointer may be null: 1 and 0).
template <class T>
void channel_affine(const T* x, const T* scale, const T* shift, T* y, std::size_t outer, std::size_t c,
                    std::size_t inner) {
  detail::pfor(outer * c, std::max<std::size_t>(1, elementwise_grain / std::max<std::size_t>(inner, 1)),
               [&](std::size_t b, std::size_t e) {
                 for (std::size_t oc = b; oc < e; ++oc) {
                   const std::size_t ch = oc % c;
                   const T s = scale ? scale[ch] : T(1), t = shift ? shift[ch] : T(0);
                   detail::marr<T>(y + oc * inner, Eigen::Index(inner)) =
                       detail::carr<T>(x + oc * inner, Eigen::Index(inner)) * s + t;
                 }
               });
}

/// y[o, c, i] = b[c].
template <class T>
void broadcast_axis(const T* b, T* y, std::size_t outer, std::size_t c, std::size_t inner) {
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t ch = 0; ch < c; ++ch)
      detail::marr<T>(y + (o * c + ch) * inner, Eigen::Index(inner)).setConstant(b[ch]);
}

} // namespace hamgen::backend::cpu
