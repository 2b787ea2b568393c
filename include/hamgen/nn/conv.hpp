// hamgen/nn/conv.hpp
//
// Represents: convolution layers over [N, C, spatial...] inputs (PyTorch layouts and semantics):
//               conv1d / conv2d / conv3d       weight [out, in, k...], y = conv(x, w) + b
//               conv_transpose1d/2d/3d         weight [in, out, k...] (the adjoint of a conv)
//             Options are per layer and the same in every spatial dim (square kernels):
//             kernel, stride, padding, dilation; `causal` (conv only) puts all the padding at
//             the start so output t sees inputs <= t (HALO's temporal block: kernel 4,
//             padding = dilation·(kernel-1) keeps the length); `weight_norm` (conv only)
//             reparameterises w = g v/‖v‖ per output channel (Salimans & Kingma 2016; PyTorch
//             weight_norm(dim=0): parameters weight_g [out, 1, ...] and weight_v, g = ‖v‖ at init).
// Requires:   input rank Dim + 2 with `in` channels.
// Ensures:    output sizes as PyTorch: ⌊(L + 2p - d(k-1) - 1)/s⌋ + 1 (causal: p instead of 2p),
//             transposed: (L-1)s - 2p + d(k-1) + output_padding + 1; shape_error
//             "conv2d(in=3, out=8, kernel=4)::forward: input has shape [..], expected [N, 3, ...]";
//             PyTorch default initialisation; gradients of every order (autodiff/conv.hpp).
#pragma once

#include <array>
#include <string>

#include <hamgen/autodiff/conv.hpp>
#include <hamgen/nn/init.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::nn {

struct conv_options {
  std::size_t in = 0;
  std::size_t out = 0;
  std::size_t kernel = 1;
  std::size_t stride = 1;
  std::size_t padding = 0;
  std::size_t dilation = 1;
  bool bias = true;
  bool causal = false;
  bool weight_norm = false;
};
using conv1d_options = conv_options;
using conv2d_options = conv_options;
using conv3d_options = conv_options;

struct conv_transpose_options {
  std::size_t in = 0;
  std::size_t out = 0;
  std::size_t kernel = 1;
  std::size_t stride = 1;
  std::size_t padding = 0;
  std::size_t output_padding = 0;
  std::size_t dilation = 1;
  bool bias = true;
};
using conv_transpose2d_options = conv_transpose_options;

namespace detail {
template <std::size_t Dim>
std::array<std::size_t, Dim> fill(std::size_t v) {
  std::array<std::size_t, Dim> a{};
  a.fill(v);
  return a;
}
template <std::size_t Dim>
shape kernel_shape(std::size_t a, std::size_t b, std::size_t k) {
  shape s{a, b};
  for (std::size_t i = 0; i < Dim; ++i) s.push_back(k);
  return s;
}
} // namespace detail

template <std::size_t Dim, class T = float, class D = cpu_t>
class conv {
public:
  using value_type = T;
  using device_type = D;

  explicit conv(conv_options o, generator& g = default_generator()) : opt_(o) {
    HAMGEN_CHECK(o.in > 0 && o.out > 0 && o.kernel > 0 && o.stride > 0 && o.dilation > 0, name(),
                 ": in, out, kernel, stride and dilation must be positive");
    tensor<T, D> w(detail::kernel_shape<Dim>(o.out, o.in, o.kernel)), b(shape{o.out});
    init::pytorch_default(w, o.bias ? &b : nullptr, g);
    if (o.bias) bias = parameter<T, D>(std::move(b));
    if (o.weight_norm) {
      shape gs{o.out};
      for (std::size_t i = 0; i <= Dim; ++i) gs.push_back(1);
      tensor<T, D> gn(gs);
      const std::size_t fan = w.size() / o.out;
      for (std::size_t r = 0; r < o.out; ++r) {
        T s = 0;
        for (std::size_t k = 0; k < fan; ++k) s += w[r * fan + k] * w[r * fan + k];
        gn[r] = std::sqrt(s);
      }
      weight_g = parameter<T, D>(std::move(gn));
      weight_v = parameter<T, D>(std::move(w));
    } else {
      weight = parameter<T, D>(std::move(w));
    }
  }

  var<T, D> forward(tape& t, const var<T, D>& x) {
    const auto& s = x.shape();
    HAMGEN_CHECK_SHAPE(s.rank() == Dim + 2 && s[1] == opt_.in, name(), "(in=", opt_.in, ", out=", opt_.out,
                       ", kernel=", opt_.kernel, ")::forward: input has shape ", s, ", expected [N, ",
                       opt_.in,
                       Dim == 1   ? ", L]"
                       : Dim == 2 ? ", H, W]"
                                  : ", D, H, W]");
    const auto g = ops::make_conv_geometry<Dim>(
        s, opt_.out, detail::fill<Dim>(opt_.kernel), detail::fill<Dim>(opt_.stride),
        detail::fill<Dim>(opt_.padding), detail::fill<Dim>(opt_.dilation), opt_.causal, name());
    auto w = effective_weight(t);
    return opt_.bias ? autodiff::conv_bias(x, w, bias.bind(t), g) : autodiff::conv(x, w, g);
  }

  /// The weight used by forward (w = g v/‖v‖ under weight normalisation).
  var<T, D> effective_weight(tape& t) {
    if (!opt_.weight_norm) return weight.bind(t);
    namespace ad = hamgen::autodiff;
    auto v = weight_v.bind(t);
    const std::size_t fan = v.size() / opt_.out;
    auto v2 = ad::reshape(v, shape{opt_.out, fan});
    auto norm = ad::sqrt(ad::sum_axis(ad::square(v2), 1));
    auto scale = ad::mul(ad::reshape(weight_g.bind(t), shape{opt_.out}), ad::reciprocal(norm));
    return ad::reshape(ad::channel_mul(v2, scale, 0), v.shape());
  }

  void train(bool on) noexcept { training_ = on; }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    if (opt_.weight_norm) {
      f(prefix + "weight_g", weight_g);
      f(prefix + "weight_v", weight_v);
    } else
      f(prefix + "weight", weight);
    if (opt_.bias) f(prefix + "bias", bias);
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    visit_parameters([&](const std::string& n, parameter<T, D>& p) { f(n, p.value); }, prefix);
  }
  const conv_options& options() const noexcept { return opt_; }

  parameter<T, D> weight, weight_g, weight_v, bias;

private:
  static const char* name() {
    if constexpr (Dim == 1)
      return "conv1d";
    else if constexpr (Dim == 2)
      return "conv2d";
    else
      return "conv3d";
  }
  conv_options opt_;
  bool training_ = true;
};

template <std::size_t Dim, class T = float, class D = cpu_t>
class conv_transpose {
public:
  using value_type = T;
  using device_type = D;

  explicit conv_transpose(conv_transpose_options o, generator& g = default_generator()) : opt_(o) {
    HAMGEN_CHECK(o.in > 0 && o.out > 0 && o.kernel > 0 && o.stride > 0 && o.dilation > 0, name(),
                 ": in, out, kernel, stride and dilation must be positive");
    tensor<T, D> w(detail::kernel_shape<Dim>(o.in, o.out, o.kernel)), b(shape{o.out});
    init::pytorch_default(w, o.bias ? &b : nullptr, g);
    weight = parameter<T, D>(std::move(w));
    if (o.bias) bias = parameter<T, D>(std::move(b));
  }

  var<T, D> forward(tape& t, const var<T, D>& x) {
    const auto& s = x.shape();
    HAMGEN_CHECK_SHAPE(s.rank() == Dim + 2 && s[1] == opt_.in, name(), "(in=", opt_.in, ", out=", opt_.out,
                       ", kernel=", opt_.kernel, ")::forward: input has shape ", s, ", expected [N, ",
                       opt_.in,
                       Dim == 1   ? ", L]"
                       : Dim == 2 ? ", H, W]"
                                  : ", D, H, W]");
    const auto g = ops::make_conv_transpose_geometry<Dim>(
        s, opt_.out, detail::fill<Dim>(opt_.kernel), detail::fill<Dim>(opt_.stride),
        detail::fill<Dim>(opt_.padding), detail::fill<Dim>(opt_.output_padding),
        detail::fill<Dim>(opt_.dilation), name());
    return opt_.bias ? autodiff::conv_data_bias(x, weight.bind(t), bias.bind(t), g)
                     : autodiff::conv_data(x, weight.bind(t), g);
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

  parameter<T, D> weight, bias;

private:
  static const char* name() {
    if constexpr (Dim == 1)
      return "conv_transpose1d";
    else if constexpr (Dim == 2)
      return "conv_transpose2d";
    else
      return "conv_transpose3d";
  }
  conv_transpose_options opt_;
  bool training_ = true;
};

template <class T = float, class D = cpu_t>
using conv1d = conv<1, T, D>;
template <class T = float, class D = cpu_t>
using conv2d = conv<2, T, D>;
template <class T = float, class D = cpu_t>
using conv3d = conv<3, T, D>;
template <class T = float, class D = cpu_t>
using conv_transpose1d = conv_transpose<1, T, D>;
template <class T = float, class D = cpu_t>
using conv_transpose2d = conv_transpose<2, T, D>;
template <class T = float, class D = cpu_t>
using conv_transpose3d = conv_transpose<3, T, D>;

} // namespace hamgen::nn
