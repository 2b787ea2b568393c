// hamgen/hnn/config_map.hpp
//
// Represents: HGAN's configuration-space map: the MLP that takes the Gaussian motion sample
//             ε ~ N(0, I_{2n}) to the initial phase-space state, (q0, p0) = split(f_θ(ε)) with q0 the
//             first n outputs and p0 the last n (HGAN reference code: 2n -> w -> w -> 2n, ReLU).
//               config_map<T>::forward(tape, eps)  taped, any order;
//               fused_config_map<T>                fused forward/backward on the caller's buffers.
// Requires:   eps [B, 2n].
// Ensures:    q0, p0 [B, n]; shape_error naming the component otherwise.
#pragma once

#include <utility>

#include <hamgen/hnn/mlp.hpp>

namespace hamgen::hnn {

struct config_map_options {
  std::size_t n = 10;
  std::vector<std::size_t> hidden{100, 100};
  activation act = activation::relu;
  weight_init init = weight_init::xavier_uniform;
};

template <class T = float>
class config_map : public detail::mlp_module<T> {
public:
  using detail::mlp_module<T>::net;
  using value_type = T;
  using device_type = cpu_t;

  explicit config_map(config_map_options o, generator& g = nn::default_generator())
      : detail::mlp_module<T>(
            mlp_options{.in = 2 * o.n, .hidden = o.hidden, .out = 2 * o.n, .act = o.act, .init = o.init}, g),
        n_(o.n) {}

  std::size_t dim() const noexcept { return n_; }

  /// (q0, p0), both [B, n].
  std::pair<var<T>, var<T>> forward(tape& t, const var<T>& eps) {
    HAMGEN_CHECK_SHAPE(eps.shape().rank() == 2 && eps.shape()[1] == 2 * n_,
                       "hnn::config_map::forward: eps has shape ", eps.shape(), ", expected [B, ", 2 * n_,
                       "]");
    var<T> x = net.forward(t, eps);
    return {autodiff::slice(x, 1, 0, n_), autodiff::slice(x, 1, n_, 2 * n_)};
  }

private:
  std::size_t n_;
};

/// Fused evaluation of a config_map: forward to q0, p0 ([B, n] row-major, owned here) and the reverse
/// sweep from their gradients into the map's parameter gradients (and optionally ∂L/∂ε).
template <class T = float>
class fused_config_map {
public:
  void forward(const config_map<T>& m, const T* eps, std::size_t batch) {
    const auto B = Eigen::Index(batch), d = Eigen::Index(2 * m.dim());
    c_.resize(m.net.options(), B, false);
    c_.x = Eigen::Map<const detail::mat<T>>(eps, d, B);
    detail::mlp_kernels<T>::hidden_forward(m.net, c_);
    y_.resize(d, B);
    detail::mlp_kernels<T>::output(m.net, c_, y_);
    const std::size_t n = m.dim();
    q0_ = tensor<T>(shape{batch, n});
    p0_ = tensor<T>(shape{batch, n});
    for (Eigen::Index b = 0; b < B; ++b)
      for (std::size_t i = 0; i < n; ++i) {
        q0_.data()[std::size_t(b) * n + i] = y_(Eigen::Index(i), b);
        p0_.data()[std::size_t(b) * n + i] = y_(Eigen::Index(n + i), b);
      }
  }
  /// dq0, dp0 [B, n] row-major; deps [B, 2n] (may be null).
  void backward(config_map<T>& m, const T* dq0, const T* dp0, T* deps = nullptr) {
    const Eigen::Index B = y_.cols();
    const std::size_t n = m.dim();
    ybar_.resize(y_.rows(), B);
    for (Eigen::Index b = 0; b < B; ++b)
      for (std::size_t i = 0; i < n; ++i) {
        ybar_(Eigen::Index(i), b) = dq0[std::size_t(b) * n + i];
        ybar_(Eigen::Index(n + i), b) = dp0[std::size_t(b) * n + i];
      }
    if (deps) {
      Eigen::Map<detail::mat<T>> xb(deps, y_.rows(), B);
      detail::mlp_kernels<T>::backward(m.net, c_, ybar_, &xb, false, s_);
    } else {
      detail::mlp_kernels<T>::backward(m.net, c_, ybar_, static_cast<Eigen::Map<detail::mat<T>>*>(nullptr),
                                       false, s_);
    }
  }
  const tensor<T>& q0() const noexcept { return q0_; }
  const tensor<T>& p0() const noexcept { return p0_; }

private:
  detail::mlp_cache<T> c_;
  detail::mat<T> y_, ybar_;
  detail::mlp_scratch<T> s_;
  tensor<T> q0_, p0_;
};

} // namespace hamgen::hnn
