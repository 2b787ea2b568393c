// hamgen/nn/init.hpp
//
// Represents: weight initialisers (PyTorch torch.nn.init semantics).
//               fans(w): fan_in = w.dim(1) * receptive, fan_out = w.dim(0) * receptive, with
//                        receptive = product of dims beyond 1 (conv kernels).
//               xavier_uniform / xavier_normal  (Glorot & Bengio 2010): U(±gain √(6/(fi+fo))),
//                                              N(0, gain² 2/(fi+fo)).
//               kaiming_uniform / kaiming_normal (He et al. 2015): bound = gain √(3/fan),
//                                              std = gain/√fan, gain = √(2/(1+a²)) for leaky ReLU.
//               orthogonal (Saxe et al. 2014): QR of a Gaussian matrix, signs fixed by diag(R),
//                                              scaled by gain; rows x cols = dim(0) x rest.
//               zeros, ones, constant, uniform.
//               pytorch_default_linear / _conv: PyTorch's Linear/Conv defaults, weight
//                                              kaiming_uniform(a = √5) = U(±1/√fan_in), bias
//                                              U(±1/√fan_in).
// Requires:   cpu tensors of rank >= 2 for fan-based initialisers.
// Ensures:    draws come from the given generator only (reproducible).
#pragma once

#include <cmath>

#include <Eigen/QR>

#include <hamgen/core/error.hpp>
#include <hamgen/core/random.hpp>
#include <hamgen/core/tensor.hpp>

namespace hamgen::nn::init {

struct fan {
  double in = 1, out = 1;
};

template <class T>
fan fans(const tensor<T>& w) {
  HAMGEN_CHECK_SHAPE(w.rank() >= 1, "init::fans: tensor has shape ", w.shape());
  if (w.rank() == 1) return {double(w.dim(0)), double(w.dim(0))};
  double rf = 1;
  for (std::size_t k = 2; k < w.rank(); ++k) rf *= double(w.dim(k));
  return {double(w.dim(1)) * rf, double(w.dim(0)) * rf};
}

/// Gain for a nonlinearity: "linear"/"sigmoid" 1, "tanh" 5/3, "relu" √2, "leaky_relu" √(2/(1+a²)).
inline double gain(const char* nonlinearity, double a = 0.01) {
  const std::string n = nonlinearity;
  if (n == "tanh") return 5.0 / 3.0;
  if (n == "relu") return std::sqrt(2.0);
  if (n == "leaky_relu") return std::sqrt(2.0 / (1 + a * a));
  if (n == "linear" || n == "sigmoid" || n == "conv") return 1.0;
  throw value_error("init::gain: unknown nonlinearity '" + n + "'");
}

template <class T>
void uniform(tensor<T>& w, generator& g, double lo, double hi) {
  fill_uniform(w, g, lo, hi);
}
template <class T>
void zeros(tensor<T>& w) {
  w.fill(T(0));
}
template <class T>
void ones(tensor<T>& w) {
  w.fill(T(1));
}
template <class T>
void constant(tensor<T>& w, T v) {
  w.fill(v);
}
template <class T>
void xavier_uniform(tensor<T>& w, generator& g, double gain = 1.0) {
  const auto f = fans(w);
  const double b = gain * std::sqrt(6.0 / (f.in + f.out));
  fill_uniform(w, g, -b, b);
}
template <class T>
void xavier_normal(tensor<T>& w, generator& g, double gain = 1.0) {
  const auto f = fans(w);
  fill_normal(w, g, 0.0, gain * std::sqrt(2.0 / (f.in + f.out)));
}

enum class fan_mode { fan_in, fan_out };

template <class T>
void kaiming_uniform(tensor<T>& w, generator& g, double a = 0, fan_mode mode = fan_mode::fan_in,
                     const char* nonlinearity = "leaky_relu") {
  const auto f = fans(w);
  const double n = mode == fan_mode::fan_in ? f.in : f.out;
  const double b = gain(nonlinearity, a) * std::sqrt(3.0 / n);
  fill_uniform(w, g, -b, b);
}
template <class T>
void kaiming_normal(tensor<T>& w, generator& g, double a = 0, fan_mode mode = fan_mode::fan_in,
                    const char* nonlinearity = "leaky_relu") {
  const auto f = fans(w);
  const double n = mode == fan_mode::fan_in ? f.in : f.out;
  fill_normal(w, g, 0.0, gain(nonlinearity, a) / std::sqrt(n));
}

/// (Semi-)orthogonal rows or columns of the dim(0) x rest matrix, times gain.
template <class T>
void orthogonal(tensor<T>& w, generator& g, double gain = 1.0) {
  HAMGEN_CHECK_SHAPE(w.rank() >= 2, "init::orthogonal: needs rank >= 2, tensor has shape ", w.shape());
  const Eigen::Index rows = Eigen::Index(w.dim(0)), cols = Eigen::Index(w.size() / w.dim(0));
  const bool tall = rows >= cols;
  Eigen::MatrixXd a(tall ? rows : cols, tall ? cols : rows);
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) a(i, j) = g.normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), a.cols());
  const Eigen::MatrixXd r = qr.matrixQR().topLeftCorner(a.cols(), a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    if (r(j, j) < 0) q.col(j) *= -1;
  auto m = w.as_matrix(std::size_t(rows), std::size_t(cols));
  if (tall)
    m = (gain * q).template cast<T>();
  else
    m = (gain * q.transpose()).template cast<T>();
}

/// PyTorch's default Linear/Conv initialisation: weight and bias U(±1/√fan_in).
template <class T>
void pytorch_default(tensor<T>& weight, tensor<T>* bias, generator& g) {
  kaiming_uniform(weight, g, std::sqrt(5.0));
  if (bias) {
    const double b = 1.0 / std::sqrt(fans(weight).in);
    fill_uniform(*bias, g, -b, b);
  }
}

} // namespace hamgen::nn::init
