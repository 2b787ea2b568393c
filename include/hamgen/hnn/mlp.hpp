// hamgen/hnn/mlp.hpp
//
// Represents: hnn::mlp<T>, the fully connected network of the HNN / HGAN motion model,
//             in -> hidden[0] -> ... -> hidden[L-1] -> out with an activation (relu, tanh, softplus)
//             after every hidden layer and a linear output, parameters in PyTorch layout
//             (weight_l [out, in], bias_l [out]) as nn::parameter (usable with optim::adam and
//             io/checkpoint). Two ways to run it:
//               forward(tape, x)         taped, differentiable to any order through autodiff ops;
//               detail::mlp_kernels      fused Eigen kernels (no tape, no per-call allocation once
//                                        the caches are sized): the plain forward/backward of a
//                                        vector-valued MLP, and for a scalar output (out = 1) the
//                                        input gradient ∇ₓf together with its exact adjoint
//                                        (vector-Jacobian product of x ↦ ∇ₓf w.r.t. x and θ), i.e.
//                                        the double backprop of Greydanus et al. (2019) written out.
// Requires:   in, out, every hidden width > 0; at least one hidden layer.
// Ensures:    initialisation: PyTorch's default (U(±1/√fan_in)) or Xavier-uniform weights with
//             PyTorch-default biases (the HGAN reference code); shape_error on bad inputs.
//             Activation derivatives: relu' = [z > 0] (relu'' = 0), tanh' = 1 − a², tanh'' = −2a(1 − a²),
//             softplus(z) = log(1 + eᶻ) computed stably, softplus' = sigmoid(z), softplus'' = s(1 − s).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/backend/cpu/math.hpp>
#include <hamgen/backend/cpu/small_gemm.hpp>
#include <hamgen/core/error.hpp>
#include <hamgen/nn/init.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::hnn {

enum class activation { relu, tanh, softplus };

inline const char* to_string(activation a) noexcept {
  switch (a) {
  case activation::relu:
    return "relu";
  case activation::tanh:
    return "tanh";
  case activation::softplus:
    return "softplus";
  }
  return "?";
}

inline activation activation_from_string(const std::string& s) {
  if (s == "relu") return activation::relu;
  if (s == "tanh") return activation::tanh;
  if (s == "softplus") return activation::softplus;
  throw value_error("hnn::activation_from_string: unknown activation '" + s + "' (relu|tanh|softplus)");
}

enum class weight_init { pytorch_default, xavier_uniform };

struct mlp_options {
  std::size_t in = 0;
  std::vector<std::size_t> hidden{100, 100};
  std::size_t out = 1;
  activation act = activation::relu;
  weight_init init = weight_init::xavier_uniform;
};

template <class T = float>
class mlp {
public:
  using value_type = T;
  using device_type = cpu_t;

  explicit mlp(mlp_options o, generator& g = nn::default_generator()) : opt_(std::move(o)) {
    HAMGEN_CHECK(opt_.in > 0 && opt_.out > 0 && !opt_.hidden.empty(),
                 "hnn::mlp: in, out must be positive and there must be a hidden layer (in=", opt_.in,
                 ", out=", opt_.out, ", hidden layers=", opt_.hidden.size(), ")");
    std::size_t fan_in = opt_.in;
    for (std::size_t l = 0; l <= opt_.hidden.size(); ++l) {
      const std::size_t fan_out = l < opt_.hidden.size() ? opt_.hidden[l] : opt_.out;
      HAMGEN_CHECK(fan_out > 0, "hnn::mlp: hidden width ", l, " is zero");
      tensor<T> w(shape{fan_out, fan_in}), b(shape{fan_out});
      nn::init::pytorch_default(w, &b, g);
      if (opt_.init == weight_init::xavier_uniform) nn::init::xavier_uniform(w, g);
      weights.emplace_back(std::move(w));
      biases.emplace_back(std::move(b));
      fan_in = fan_out;
    }
  }

  std::size_t layers() const noexcept { return weights.size(); } ///< hidden layers + 1
  const mlp_options& options() const noexcept { return opt_; }

  /// Taped forward: x [N, in] -> [N, out].
  var<T> forward(tape& t, const var<T>& x) {
    HAMGEN_CHECK_SHAPE(x.shape().rank() == 2 && x.shape()[1] == opt_.in,
                       "hnn::mlp::forward: input has shape ", x.shape(), ", expected [N, ", opt_.in, "]");
    var<T> h = x;
    for (std::size_t l = 0; l < weights.size(); ++l) {
      h = autodiff::bias_add(autodiff::matmul(h, weights[l].bind(t), false, true), biases[l].bind(t), 1);
      if (l + 1 < weights.size()) h = activate(h);
    }
    return h;
  }

  var<T> activate(const var<T>& z) const {
    switch (opt_.act) {
    case activation::relu:
      return autodiff::relu(z);
    case activation::tanh:
      return autodiff::tanh(z);
    case activation::softplus:
      return autodiff::softplus(z);
    }
    return z;
  }

  void train(bool on) noexcept { training_ = on; }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    for (std::size_t l = 0; l < weights.size(); ++l) {
      f(prefix + std::to_string(2 * l) + ".weight", weights[l]);
      f(prefix + std::to_string(2 * l) + ".bias", biases[l]);
    }
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    for (std::size_t l = 0; l < weights.size(); ++l) {
      f(prefix + std::to_string(2 * l) + ".weight", weights[l].value);
      f(prefix + std::to_string(2 * l) + ".bias", biases[l].value);
    }
  }
  void zero_grad() {
    for (auto& w : weights) w.zero_grad();
    for (auto& b : biases) b.zero_grad();
  }

  std::vector<nn::parameter<T>> weights, biases;

private:
  mlp_options opt_;
  bool training_ = true;
};

namespace detail {

template <class T>
using mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>; // column-major: features x batch
template <class T>
using rmat_map = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class T>
using crmat_map = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class T>
using cvec_map = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T>
using vec_map = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;

template <class T>
crmat_map<T> wmap(const nn::parameter<T>& p) {
  return crmat_map<T>(p.value.data(), Eigen::Index(p.value.dim(0)), Eigen::Index(p.value.dim(1)));
}
template <class T>
rmat_map<T> gmap(nn::parameter<T>& p) {
  if (p.grad.shape() != p.value.shape()) p.grad = tensor<T>::zeros(p.value.shape());
  return rmat_map<T>(p.grad.data(), Eigen::Index(p.value.dim(0)), Eigen::Index(p.value.dim(1)));
}
template <class T>
vec_map<T> bgmap(nn::parameter<T>& p) {
  if (p.grad.shape() != p.value.shape()) p.grad = tensor<T>::zeros(p.value.shape());
  return vec_map<T>(p.grad.data(), Eigen::Index(p.value.size()));
}

/// a = σ(z), s1 = σ'(z), s2 = σ''(z) (s2 untouched for relu), vectorised Eigen array expressions.
template <class T>
void apply_activation(activation act, const mat<T>& z, mat<T>& a, mat<T>& s1, mat<T>* s2) {
  auto za = z.array();
  switch (act) {
  case activation::relu:
    a.array() = za.max(T(0));
    s1.array() = (za > T(0)).template cast<T>();
    break;
  case activation::tanh:
    a.resize(z.rows(), z.cols());
    backend::cpu::tanh_array(z.data(), a.data(), std::size_t(z.size()));
    s1.array() = T(1) - a.array().square();
    s2->array() = T(-2) * a.array() * s1.array();
    break;
  case activation::softplus: {
    // softplus(z) = max(z, 0) + log1p(e^{−|z|}); sigmoid(z) = 1/(1 + e^{−|z|}) for z ≥ 0, e^{−|z|}/(1 +
    // e^{−|z|}) else
    s2->array() = (-za.abs()).exp(); // scratch: e = e^{−|z|}
    a.array() = za.max(T(0)) + s2->array().log1p();
    s1.array() = (za >= T(0)).select(T(1) / (T(1) + s2->array()), s2->array() / (T(1) + s2->array()));
    s2->array() = s1.array() * (T(1) - s1.array());
    break;
  }
  }
}

/// Module plumbing of a model that is one mlp `net` (config_map, mlp_hamiltonian): mode switch,
/// traversals with the names "<prefix>net.<layer>.weight|bias", zero_grad.
template <class T>
struct mlp_module {
  explicit mlp_module(mlp_options o, generator& g) : net(std::move(o), g) {}

  void train(bool on) noexcept { net.train(on); }
  bool is_training() const noexcept { return net.is_training(); }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    net.visit_parameters(f, prefix + "net.");
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    net.visit_state(f, prefix + "net.");
  }
  void zero_grad() { net.zero_grad(); }

  mlp<T> net;
};

/// relu helpers written as plain loops over contiguous storage (compilers vectorise the compare and
/// blend; Eigen 3.4's select() is scalar).
template <class T>
void relu_inplace(mat<T>& a) {
  T* p = a.data();
  const Eigen::Index n = a.size();
  for (Eigen::Index i = 0; i < n; ++i) p[i] = p[i] > T(0) ? p[i] : T(0);
}
/// out = [a > 0] ⊙ d (relu' from the stored activation; out may alias d).
template <class T>
void relu_mask(const mat<T>& a, const mat<T>& d, mat<T>& out) {
  out.resize(d.rows(), d.cols());
  const T* pa = a.data();
  const T* pd = d.data();
  T* po = out.data();
  const Eigen::Index n = d.size();
  for (Eigen::Index i = 0; i < n; ++i) po[i] = pa[i] > T(0) ? pd[i] : T(0);
}
/// out(:, b) = [a(:, b) > 0] ⊙ w for every column b (out: a's shape, column-major, contiguous).
template <class T, class W>
void relu_mask_broadcast(const mat<T>& a, const W& w, T* out) {
  const Eigen::Index r = a.rows();
  for (Eigen::Index b = 0; b < a.cols(); ++b) {
    const T* pa = a.data() + b * r;
    T* po = out + b * r;
    for (Eigen::Index i = 0; i < r; ++i) po[i] = pa[i] > T(0) ? w[i] : T(0);
  }
}

template <class T>
struct mlp_deferred_wgrad;

/// The weights of one net arranged for the small_gemm kernels (mlp_kernels::pack), valid while the
/// weights do not change (one rollout).
template <class T>
struct mlp_pack {
  std::vector<mat<T>> w; ///< column-major copies of every W_l: the A operands of W x
  /// relu with at least two hidden layers ("mask_last"): the input gradient keeps the last hidden
  /// layer's δ_{L-1} = m ⊙ w_out as its mask m = [a_{L-1} > 0] and computes W_{L-1}ᵀ δ_{L-1} as
  /// (W_{L-1}ᵀ diag(w_out)) m; the adjoint then gets W̄_{L-1} and W̄_L from one product Σ_b m ū_{L-2}ᵀ
  /// (relu_last_wgrad) instead of also forming ū_{L-1} = m ⊙ W_{L-1} ū_{L-2} for every evaluation.
  mat<T> wt_last; ///< W_{L-1}ᵀ diag(w_out), column-major [w_{L-2} x w_{L-1}] (empty unless mask_last)
  mat<T> ones;    ///< [w_{L-1} x 1] of 1: the mask values of the relu_mask epilogue (mask_last)
  bool mask_last() const noexcept { return wt_last.size() > 0; }
};

/// The last hidden layer's input-gradient product carried along a sequence of evaluations at nearby
/// inputs (a rollout), for a mask_last pack: u = W_{L-1}ᵀ diag(w_out) m for the masks m of the last
/// evaluation. Between leapfrog steps (dt = 0.05) about 0.2 % of the mask entries flip, so the next
/// evaluation adds ± the columns of W_{L-1}ᵀ diag(w_out) whose entries flipped instead of forming the
/// product again; every refresh_every-th evaluation, after more than 1/8 of the entries flipped, or
/// for other weights or another batch, the product is formed in full (the running sum's rounding
/// stays that of a few dozen additions). Owners call reset() whenever the packed weights change.
template <class T>
struct mlp_last_layer_track {
  static constexpr int refresh_every = 16;
  mat<T> u;                          ///< [w_{L-2} x B]
  mat<T> mask;                       ///< [w_{L-1} x B]: the masks u belongs to
  const mlp_pack<T>* pack = nullptr; ///< the weights u belongs to (null: nothing carried)
  int since_full = 0;                ///< sparse updates since u was last formed in full
  void reset() noexcept { pack = nullptr; }
};

/// Per-evaluation cache of the fused kernels (one per forward evaluation kept for the backward).
/// For relu only x, a and delta are kept: σ'(z) = [a > 0] is read back from the activation.
template <class T>
struct mlp_cache {
  mat<T> x;               ///< input [in x B]
  std::vector<mat<T>> a;  ///< σ(z_l) [w_l x B]
  std::vector<mat<T>> s1; ///< σ'(z_l) (not for relu)
  std::vector<mat<T>> s2; ///< σ''(z_l) (not for relu)
  std::vector<mat<T>> u;  ///< scalar-output input-gradient pass: u_l = W_{l+1}ᵀ δ_{l+1} (u_L = w_out; not
                          ///< for relu)
  std::vector<mat<T>> delta; ///< δ_l = σ'(z_l) ⊙ u_l; with a mask_last pack δ_{L-1} is kept as its mask
  mat<T> z;                  ///< scratch
  /// The packed weights (mlp_kernels::pack), owned by the caller and valid while the weights do not
  /// change (one rollout). When set, the products run through backend::cpu::small_gemm,
  /// which needs W_l with contiguous columns; without them the kernels use Eigen.
  const mlp_pack<T>* wcol = nullptr;
  /// With wcol and relu (set by mlp_deferred_wgrad::attach before input_gradient): this
  /// evaluation's δ_l are written into the block of columns [defer_col, defer_col + B) of *defer
  /// instead of `delta`, and its adjoint stores ḡ and ū_l beside them; the weight-gradient products
  /// are added over all evaluations at once by mlp_deferred_wgrad::flush.
  mlp_deferred_wgrad<T>* defer = nullptr;
  Eigen::Index defer_col = 0;
  /// With a mask_last pack: the last hidden layer's product is carried from the previous evaluation
  /// that used this track (mlp_last_layer_track) instead of formed in full.
  mlp_last_layer_track<T>* track = nullptr;

  void resize(const mlp_options& o, Eigen::Index batch, bool input_gradient) {
    const std::size_t L = o.hidden.size();
    const bool smooth = o.act != activation::relu;
    x.resize(Eigen::Index(o.in), batch);
    a.resize(L);
    s1.resize(smooth ? L : 0);
    s2.resize(smooth ? L : 0);
    u.resize(input_gradient && smooth ? L : 0);
    delta.resize(input_gradient ? L : 0);
    for (std::size_t l = 0; l < L; ++l) {
      const auto w = Eigen::Index(o.hidden[l]);
      a[l].resize(w, batch);
      if (smooth) {
        s1[l].resize(w, batch);
        s2[l].resize(w, batch);
      }
      if (input_gradient) {
        if (smooth) u[l].resize(w, batch);
        delta[l].resize(w, batch);
      }
    }
  }
};

/// C [rows x cols, ldc] += A Bᵀ summed over k batch columns, with A [rows x k] and B [cols x k]
/// column-major and contiguous: the form of both weight-gradient products of the relu adjoint.
template <class T>
void add_batch_outer_products(Eigen::Index rows, Eigen::Index cols, Eigen::Index k, const T* a, const T* b,
                              T* c, Eigen::Index ldc) {
  backend::cpu::small_gemm<T>({.m = rows,
                               .n = cols,
                               .k = k,
                               .a = a,
                               .lda = rows,
                               .b = b,
                               .b_row = cols,
                               .b_col = 1,
                               .c = c,
                               .ldc = ldc,
                               .init = backend::cpu::small_gemm_init::accumulate});
}

/// The two weight-gradient products of the relu adjoint over k batch columns, shared by the
/// per-evaluation path and mlp_deferred_wgrad::flush:
/// W̄_0[:, r0:r0+nr] += Δ_0 Ḡᵀ with g [nr x k], d0 [w_0 x k], written as its transpose into rows
/// r0.. of W̄_0's column-major view.
template <class T>
void relu_input_slice_wgrad(mlp<T>& m, Eigen::Index r0, Eigen::Index nr, Eigen::Index k, const T* g,
                            const T* d0) {
  add_batch_outer_products(nr, Eigen::Index(m.options().hidden[0]), k, g, d0, gmap(m.weights[0]).data() + r0,
                           Eigen::Index(m.options().in));
}
/// W̄_{l+1} += Δ_{l+1} Ū_lᵀ with u [w_l x k], d [w_{l+1} x k], written as Ū_l Δ_{l+1}ᵀ into W̄_{l+1}'s
/// column-major view.
template <class T>
void relu_hidden_wgrad(mlp<T>& m, std::size_t l, Eigen::Index k, const T* u, const T* d) {
  const auto wl = Eigen::Index(m.options().hidden[l]);
  add_batch_outer_products(wl, Eigen::Index(m.options().hidden[l + 1]), k, u, d,
                           gmap(m.weights[l + 1]).data(), wl);
}
/// Calls f(i) for every i < n with a[i] != b[i], for relu masks (entries 0 or 1) that mostly agree:
/// 8 entries at a time by their bit patterns (the loop vectorises), one by one only where some differ.
template <class T, class F>
void for_each_mask_change(const T* a, const T* b, Eigen::Index n, F&& f) {
  using bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  Eigen::Index i0 = 0;
  for (; i0 + 8 <= n; i0 += 8) {
    bits diff = 0;
    for (int t = 0; t < 8; ++t) diff |= std::bit_cast<bits>(a[i0 + t]) ^ std::bit_cast<bits>(b[i0 + t]);
    if (diff == 0) continue;
    for (Eigen::Index i = i0; i < i0 + 8; ++i)
      if (a[i] != b[i]) f(i);
  }
  for (Eigen::Index i = i0; i < n; ++i)
    if (a[i] != b[i]) f(i);
}

/// The last hidden layer's weight gradients under a mask_last pack (mlp_pack), L ≥ 2. With the masks
/// m = [a_{L-1} > 0] and ū_{L-2} of k batch columns, M = Σ_b m ū_{L-2}ᵀ [w_{L-1} x w_{L-2}] gives both
///   W̄_{L-1} += diag(w_out) M                       (= Σ_b δ_{L-1} ū_{L-2}ᵀ, δ_{L-1} = m ⊙ w_out)
///   W̄_L(j)  += Σ_i W_{L-1}(j, i) M(j, i)          (= Σ_b ū_{L-1}(j), ū_{L-1} = m ⊙ W_{L-1} ū_{L-2})
/// accumulate() and accumulate_by_parts() add columns into Mᵀ (column-major [w_{L-2} x w_{L-1}],
/// zeroed by start()), apply() adds the two gradients.
template <class T>
struct relu_last_wgrad {
  mat<T> mt;   ///< Mᵀ
  mat<T> sums; ///< accumulate_by_parts: running Σ_e ū_{e,b} per sample b

  void start(const mlp<T>& m) {
    const std::size_t L = m.options().hidden.size();
    mt.setZero(Eigen::Index(m.options().hidden[L - 2]), Eigen::Index(m.options().hidden[L - 1]));
  }

  /// Mᵀ += Ū_{L-2} mᵀ over k columns: u [w_{L-2} x k], mask [w_{L-1} x k].
  void accumulate(Eigen::Index k, const T* u, const T* mask) {
    add_batch_outer_products(mt.rows(), mt.cols(), k, u, mask, mt.data(), mt.rows());
  }
  /// The same sum over E evaluations of B samples each (column e·B + b: sample b of evaluation e, in
  /// the order the evaluations ran) by summation by parts along each sample's evaluations: with
  /// S_e = Σ_{e' ≤ e} ū_{e'},  Σ_e m_e ū_eᵀ = m_{E-1} S_{E-1}ᵀ − Σ_{e < E-1} (m_{e+1} − m_e) S_eᵀ.
  /// The masks of nearby evaluations differ in a few entries (a rollout: ~0.2 % per step), so this is
  /// one rank-B product, E·B vector additions and one update per changed entry instead of a product
  /// of rank E·B.
  void accumulate_by_parts(Eigen::Index E, Eigen::Index B, const T* u, const T* mask) {
    const Eigen::Index r = mt.rows(), k = mt.cols();
    if (E == 0 || B == 0) return;
    sums.setZero(r, B);
    for (Eigen::Index e = 0; e < E; ++e)
      for (Eigen::Index b = 0; b < B; ++b) {
        const Eigen::Index col = e * B + b;
        T* sb = sums.data() + b * r;
        const T* ub = u + col * r;
        for (Eigen::Index i = 0; i < r; ++i) sb[i] += ub[i];
        if (e + 1 == E) continue;
        const T* now = mask + col * k;
        const T* next = now + B * k;
        for_each_mask_change(now, next, k, [&](Eigen::Index i) {
          const T d = next[i] - now[i]; // ±1
          T* mc = mt.data() + i * r;
          for (Eigen::Index j = 0; j < r; ++j) mc[j] -= d * sb[j];
        });
      }
    add_batch_outer_products(r, k, B, sums.data(), mask + (E - 1) * B * k, mt.data(), r);
  }
  void apply(mlp<T>& m) const {
    const std::size_t L = m.options().hidden.size();
    const Eigen::Index r = mt.rows(), w = mt.cols();
    // W_{L-1} and W̄_{L-1} are row-major [w x r]: column-major [r x w] views, column j = row j
    Eigen::Map<const mat<T>> wl(m.weights[L - 1].value.data(), r, w);
    Eigen::Map<mat<T>> gl(gmap(m.weights[L - 1]).data(), r, w);
    const auto wout = cvec_map<T>(m.weights[L].value.data(), w);
    auto gout = vec_map<T>(gmap(m.weights[L]).data(), w);
    for (Eigen::Index j = 0; j < w; ++j) {
      gl.col(j) += wout(j) * mt.col(j);
      gout(j) += wl.col(j).dot(mt.col(j));
    }
  }
};

/// The weight-gradient products of many relu input_gradient_adjoint calls on one net and one input
/// slice (columns [r0, r0 + nr) of W_0), batched. Per evaluation the adjoint adds rank-B products
/// W̄_0[:, r0:r0+nr] += δ_0 ḡᵀ and W̄_{l+1} += δ_{l+1} ū_lᵀ; with B = 16 each reads and writes all of
/// W̄ for 16 multiply-adds per element. Here the operands of every evaluation lie side by side as
/// column blocks (δ_l written there by the forward input_gradient, ḡ and ū_l by the adjoint) and
/// flush() adds all of them at once, summing over every evaluation's batch columns (k = evaluations
/// · B): the same sums, reassociated. The last hidden layer's gradient (relu_last_wgrad) runs by
/// parts along each sample's evaluations when all attached evaluations have the same batch.
/// Usage: reserve(net, r0, nr, columns); attach(cache, B) before each evaluation's input_gradient;
/// after the adjoints of every attached evaluation, flush(). The blocks stay attached: another
/// sweep of adjoints over the same evaluations, then flush(), adds that sweep's products.
template <class T>
struct mlp_deferred_wgrad {
  const mlp<T>* net = nullptr; ///< the net reserved for (flush adds into its gradients)
  Eigen::Index r0 = 0, nr = 0;
  Eigen::Index used = 0;     ///< columns attached to evaluations
  Eigen::Index batch = 0;    ///< the batch of every attached evaluation (0: none, or batches differ)
  Eigen::Index filled = 0;   ///< columns whose adjoint ran since the last flush
  mat<T> gbar;               ///< ḡ of every evaluation [nr x columns]
  std::vector<mat<T>> delta; ///< delta[l] = δ_l [w_l x columns], l < L
  std::vector<mat<T>> ubar;  ///< ubar[l] = ū_l [w_l x columns], l < L − 1
  relu_last_wgrad<T> last;   ///< flush's M of the last hidden layer (the pool's δ_{L-1} are masks, L ≥ 2)

  /// Room for `columns` batch columns (the sum of the deferred evaluations' batches); detaches
  /// everything attached before.
  void reserve(const mlp<T>& m, Eigen::Index first_row, Eigen::Index rows, Eigen::Index columns) {
    HAMGEN_CHECK(m.options().act == activation::relu,
                 "hnn::mlp_deferred_wgrad::reserve: the net's activation is ", to_string(m.options().act),
                 "; only relu adjoints defer their products");
    net = &m;
    used = 0;
    batch = 0;
    filled = 0; // anything still pending (an adjoint sweep that threw) is dropped
    r0 = first_row;
    nr = rows;
    const auto& o = m.options();
    const std::size_t L = o.hidden.size();
    gbar.resize(rows, columns);
    delta.resize(L);
    ubar.resize(L - 1);
    for (std::size_t l = 0; l < L; ++l) {
      delta[l].resize(Eigen::Index(o.hidden[l]), columns);
      if (l + 1 < L) ubar[l].resize(Eigen::Index(o.hidden[l]), columns);
    }
  }

  /// Bytes reserve(m, ·, rows, columns) holds: ḡ, every δ_l and ū_l (l < L − 1) for each column.
  static std::size_t bytes(const mlp<T>& m, Eigen::Index rows, Eigen::Index columns) {
    const auto& h = m.options().hidden;
    std::size_t per_column = std::size_t(rows);
    for (std::size_t l = 0; l < h.size(); ++l) per_column += h[l] * (l + 1 < h.size() ? 2 : 1);
    return per_column * std::size_t(columns) * sizeof(T);
  }

  /// Gives the evaluation of cache c (batch B, not yet run) the next block of B columns.
  void attach(mlp_cache<T>& c, Eigen::Index B) {
    HAMGEN_CHECK(used + B <= gbar.cols(), "hnn::mlp_deferred_wgrad: ", used + B,
                 " columns deferred, room for ", gbar.cols());
    c.defer = this;
    c.defer_col = used;
    batch = used == 0 || batch == B ? B : 0;
    used += B;
  }

  /// Adds the products of every attached column into the weight gradients of m (the reserved net).
  /// Requires the adjoint of every attached evaluation since the last flush (none: adds nothing).
  void flush(mlp<T>& m) {
    if (filled == 0) return;
    HAMGEN_CHECK(&m == net, "hnn::mlp_deferred_wgrad::flush: the columns were reserved for another net");
    HAMGEN_CHECK(filled == used, "hnn::mlp_deferred_wgrad::flush: the adjoints filled ", filled, " of the ",
                 used, " attached columns");
    const std::size_t L = m.options().hidden.size();
    // each product in slices of k ≤ small_gemm_max_unpacked: the unpacked kernel, C re-read per slice
    const Eigen::Index ks = backend::cpu::small_gemm_max_unpacked;
    for (Eigen::Index k0 = 0; k0 < used; k0 += ks) {
      const Eigen::Index k = std::min(ks, used - k0);
      relu_input_slice_wgrad(m, r0, nr, k, gbar.data() + k0 * nr, delta[0].data() + k0 * delta[0].rows());
      for (std::size_t l = 0; l + 2 < L; ++l)
        relu_hidden_wgrad(m, l, k, ubar[l].data() + k0 * ubar[l].rows(),
                          delta[l + 1].data() + k0 * delta[l + 1].rows());
    }
    // the last hidden layer (attached caches have a pack, for a relu net mask_last when L ≥ 2): by
    // parts along each sample's evaluations when every evaluation had the same batch
    if (L >= 2) {
      last.start(m);
      const T* u = ubar[L - 2].data();
      const T* mk = delta[L - 1].data();
      if (batch > 0) {
        last.accumulate_by_parts(used / batch, batch, u, mk);
      } else {
        for (Eigen::Index k0 = 0; k0 < used; k0 += ks)
          last.accumulate(std::min(ks, used - k0), u + k0 * ubar[L - 2].rows(),
                          mk + k0 * delta[L - 1].rows());
      }
      last.apply(m);
    }
    filled = 0;
  }

  /// Forgets adjoint columns filled since the last flush (a sweep that threw); stays attached.
  void discard_pending() noexcept { filled = 0; }
};

/// δ_l of the evaluation in cache c (an mlp_cache, const or not): its block in the deferred pool
/// when attached, else c.delta[l] (T* or const T* as c is).
template <class Cache>
auto* delta_data(Cache& c, std::size_t l) {
  return c.defer ? c.defer->delta[l].data() + c.defer_col * c.defer->delta[l].rows() : c.delta[l].data();
}

/// Scratch of the adjoint passes (sized once, reused).
template <class T>
struct mlp_scratch {
  mat<T> d, ubar, next, gbar;
  std::vector<mat<T>> zbar;
  relu_last_wgrad<T> last; ///< M of one evaluation (relu_adjoint_unpacked under a mask_last pack)
};

template <class T>
struct mlp_kernels {
  using sg_init = backend::cpu::small_gemm_init;
  using sg_epilogue = backend::cpu::small_gemm_epilogue;

  /// The packed weights of m (mlp_cache::wcol): column-major copies of every weight (the A operands
  /// of W x in small_gemm) and, for relu with L ≥ 2, the mask_last operands (mlp_pack).
  static void pack(const mlp<T>& m, mlp_pack<T>& p) {
    const std::size_t L = m.options().hidden.size();
    p.w.resize(m.weights.size());
    for (std::size_t l = 0; l < m.weights.size(); ++l) p.w[l] = wmap(m.weights[l]);
    if (m.options().act == activation::relu && L >= 2) {
      const auto w = Eigen::Index(m.options().hidden[L - 1]);
      p.wt_last = wmap(m.weights[L - 1]).transpose() * cvec_map<T>(m.weights[L].value.data(), w).asDiagonal();
      p.ones.setOnes(w, 1);
    } else {
      p.wt_last.resize(0, 0);
      p.ones.resize(0, 1);
    }
  }

  /// Hidden layers of the forward pass on c.x (already filled): fills a (and s1, s2 unless relu).
  /// The bias is written first and the product accumulated onto it (no zero fill, no bias pass).
  /// With last_mask (relu and c.wcol only), the last layer's product also stores
  /// last_mask = [a_{L-1} > 0] ⊙ v column by column (v = mask_values, w_{L-1} values).
  static void hidden_forward(const mlp<T>& m, mlp_cache<T>& c, T* last_mask = nullptr,
                             const T* mask_values = nullptr) {
    const auto& o = m.options();
    const std::size_t L = o.hidden.size();
    for (std::size_t l = 0; l < L; ++l) {
      const mat<T>& in = l == 0 ? c.x : c.a[l - 1];
      const auto w = Eigen::Index(o.hidden[l]);
      const auto bias = cvec_map<T>(m.biases[l].value.data(), w);
      if (c.wcol) { // bias-initialised unpacked product, relu fused into the store
        const bool relu = o.act == activation::relu;
        const bool with_mask = relu && last_mask && l + 1 == L;
        mat<T>& out = relu ? c.a[l] : c.z;
        out.resize(w, in.cols());
        backend::cpu::small_gemm<T>({.m = w,
                                     .n = in.cols(),
                                     .k = in.rows(),
                                     .a = c.wcol->w[l].data(),
                                     .lda = w,
                                     .b = in.data(),
                                     .b_row = 1,
                                     .b_col = in.rows(),
                                     .c = out.data(),
                                     .ldc = w,
                                     .init = backend::cpu::small_gemm_init::row_bias,
                                     .bias = bias.data(),
                                     .epilogue = with_mask ? sg_epilogue::relu_mask
                                                 : relu    ? sg_epilogue::relu
                                                           : sg_epilogue::none,
                                     .mask = with_mask ? last_mask : nullptr,
                                     .ldm = w,
                                     .mask_values = with_mask ? mask_values : nullptr});
        if (!relu) apply_activation(o.act, c.z, c.a[l], c.s1[l], &c.s2[l]);
      } else if (o.act == activation::relu) {
        c.a[l].resize(w, in.cols());
        c.a[l].colwise() = bias;
        c.a[l].noalias() += wmap(m.weights[l]) * in;
        relu_inplace(c.a[l]);
      } else {
        c.z.resize(w, in.cols());
        c.z.colwise() = bias;
        c.z.noalias() += wmap(m.weights[l]) * in;
        apply_activation(o.act, c.z, c.a[l], c.s1[l], &c.s2[l]);
      }
    }
  }

  /// d ⊙= σ'(z_l).
  static void times_derivative(activation act, const mlp_cache<T>& c, std::size_t l, mat<T>& d) {
    if (act == activation::relu)
      relu_mask(c.a[l], d, d);
    else
      d.array() *= c.s1[l].array();
  }

  /// Vector output: y [out x B] = W_L a_{L-1} + b_L after hidden_forward.
  template <class Y>
  static void output(const mlp<T>& m, const mlp_cache<T>& c, Y&& y) {
    const std::size_t L = m.options().hidden.size();
    y.colwise() = cvec_map<T>(m.biases[L].value.data(), y.rows());
    y.noalias() += wmap(m.weights[L]) * c.a[L - 1];
  }

  /// Backward of the vector output: ybar [out x B] -> parameter gradients (+=) and xbar (= or +=).
  template <class YB, class XB>
  static void backward(mlp<T>& m, const mlp_cache<T>& c, const YB& ybar, XB* xbar, bool accumulate_x,
                       mlp_scratch<T>& s) {
    const auto act = m.options().act;
    const std::size_t L = m.options().hidden.size();
    gmap(m.weights[L]).noalias() += ybar * c.a[L - 1].transpose();
    bgmap(m.biases[L]) += ybar.rowwise().sum();
    s.d.noalias() = wmap(m.weights[L]).transpose() * ybar;
    for (std::size_t l = L; l-- > 0;) {
      times_derivative(act, c, l, s.d); // now z̄_l
      const mat<T>& in = l == 0 ? c.x : c.a[l - 1];
      gmap(m.weights[l]).noalias() += s.d * in.transpose();
      bgmap(m.biases[l]) += s.d.rowwise().sum();
      if (l > 0) {
        s.next.noalias() = wmap(m.weights[l]).transpose() * s.d;
        s.d.swap(s.next);
      } else if (xbar) {
        if (accumulate_x)
          xbar->noalias() += wmap(m.weights[0]).transpose() * s.d;
        else
          xbar->noalias() = wmap(m.weights[0]).transpose() * s.d;
      }
    }
  }

  /// C [m x n] = A B, then C ← [G > 0] ⊙ C when gate is given: A [m x k] column-major with leading
  /// dimension lda, B [k x n], C and G [m x n] column-major with contiguous columns — the form of
  /// every product of the packed input gradient and its relu adjoint.
  static void product(Eigen::Index m, Eigen::Index n, Eigen::Index k, const T* a, Eigen::Index lda,
                      const T* b, T* c, const T* gate = nullptr) {
    backend::cpu::small_gemm<T>({.m = m,
                                 .n = n,
                                 .k = k,
                                 .a = a,
                                 .lda = lda,
                                 .b = b,
                                 .b_row = 1,
                                 .b_col = k,
                                 .c = c,
                                 .ldc = m,
                                 .epilogue = gate ? sg_epilogue::gate : sg_epilogue::none,
                                 .gate = gate,
                                 .ldg = m});
  }

  /// δ_{L-2} = [a_{L-2} > 0] ⊙ u with u = W_{L-1}ᵀ diag(w_out) m carried by c.track (see
  /// mlp_last_layer_track): mask [k x B] this evaluation's m, gate [rows x B] a_{L-2}, out δ_{L-2}.
  static void last_layer_tracked(mlp_cache<T>& c, Eigen::Index B, const T* mask, const T* gate, T* out) {
    auto& tr = *c.track;
    const mat<T>& wtl = c.wcol->wt_last; // column i: row i of W_{L-1} times w_out(i)
    const Eigen::Index rows = wtl.rows(), k = wtl.cols();
    const T* wt = wtl.data();
    auto gate_column = [&](Eigen::Index b) {
      const T* g = gate + b * rows;
      const T* u = tr.u.data() + b * rows;
      T* o = out + b * rows;
      for (Eigen::Index r = 0; r < rows; ++r) o[r] = g[r] > T(0) ? u[r] : T(0);
    };
    // the pack fixes u's rows and the masks' (reset() whenever it is packed again)
    bool carried = tr.pack == c.wcol && tr.u.cols() == B && tr.since_full < tr.refresh_every;
    if (carried) {
      // one pass: find the flipped entries 8 at a time (bit patterns: a mask entry is 0 or 1), add
      // ± their columns, gate the column; past n/8 flips the full product is cheaper (u is formed
      // again below, so a partly updated u does no harm)
      const Eigen::Index max_flips = k * B / 8;
      Eigen::Index flips = 0;
      for (Eigen::Index b = 0; b < B && carried; ++b) {
        const T* mb = mask + b * k;
        T* ob = tr.mask.data() + b * k;
        T* ub = tr.u.data() + b * rows;
        for_each_mask_change(mb, ob, k, [&](Eigen::Index i) {
          const T sign = mb[i] - ob[i]; // ±1
          const T* col = wt + i * rows;
          for (Eigen::Index r = 0; r < rows; ++r) ub[r] += sign * col[r];
          ob[i] = mb[i];
          ++flips;
        });
        if (flips > max_flips)
          carried = false;
        else
          gate_column(b);
      }
      if (carried) {
        ++tr.since_full;
        return;
      }
    }
    tr.u.resize(rows, B);
    product(rows, B, k, wt, rows, mask, tr.u.data());
    tr.mask = Eigen::Map<const mat<T>>(mask, k, B);
    tr.pack = c.wcol;
    tr.since_full = 0;
    for (Eigen::Index b = 0; b < B; ++b) gate_column(b);
  }

  /// Scalar output (out = 1): g = ∂f/∂x restricted to input rows [r0, r0 + nr) -> g [nr x B].
  /// δ_l go to c.delta, or to c's block of a deferred pool when attached (relu with wcol only).
  template <class G>
  static void input_gradient(const mlp<T>& m, mlp_cache<T>& c, Eigen::Index r0, Eigen::Index nr, G&& g) {
    const std::size_t L = m.options().hidden.size();
    HAMGEN_CHECK(!c.defer || (c.wcol && m.options().act == activation::relu),
                 "hnn::mlp_kernels::input_gradient: a cache attached to deferred weight gradients needs a "
                 "relu net and packed weights (wcol)");
    const bool relu = m.options().act == activation::relu;
    const Eigen::Index B = c.x.cols();
    if (relu && !c.defer)
      for (std::size_t l = 0; l < L; ++l) c.delta[l].resize(Eigen::Index(m.options().hidden[l]), B);
    const auto wout = cvec_map<T>(m.weights[L].value.data(), Eigen::Index(m.weights[L].value.size()));
    // relu with packed weights: δ_{L-1} = [a_{L-1} > 0] ⊙ w_out is stored by the last layer's product,
    // as the mask [a_{L-1} > 0] alone under a mask_last pack (L ≥ 2)
    const bool fused_mask = relu && c.wcol;
    const bool mask_last = fused_mask && L >= 2;
    HAMGEN_CHECK(!mask_last || c.wcol->mask_last(),
                 "hnn::mlp_kernels::input_gradient: the cache's packed weights (wcol) lack the mask_last "
                 "operands of a relu net with ",
                 L, " hidden layers (pack them with mlp_kernels::pack)");
    hidden_forward(m, c, fused_mask ? delta_data(c, L - 1) : nullptr,
                   mask_last ? c.wcol->ones.data() : wout.data());
    if (relu) {
      if (!fused_mask) relu_mask_broadcast(c.a[L - 1], wout, delta_data(c, L - 1));
      for (std::size_t l = L - 1; l > 0; --l) {
        if (c.wcol) { // δ_{l-1} = [a_{l-1} > 0] ⊙ W_lᵀ δ_l; Wᵀ's columns are W's stored rows
          const auto& W = m.weights[l].value;
          const auto rows = Eigen::Index(W.dim(1)), k = Eigen::Index(W.dim(0));
          // mask_last: δ_{L-1} is the mask, W_{L-1}ᵀ δ_{L-1} = (W_{L-1}ᵀ diag(w_out)) m
          const bool last = l + 1 == L;
          if (last && c.track)
            last_layer_tracked(c, B, delta_data(c, l), c.a[l - 1].data(), delta_data(c, l - 1));
          else
            product(rows, B, k, last ? c.wcol->wt_last.data() : W.data(), rows, delta_data(c, l),
                    delta_data(c, l - 1), c.a[l - 1].data());
        } else {
          c.delta[l - 1].noalias() = wmap(m.weights[l]).transpose() * c.delta[l];
          relu_mask(c.a[l - 1], c.delta[l - 1], c.delta[l - 1]);
        }
      }
    } else {
      c.u[L - 1].colwise() = wout;
      c.delta[L - 1].array() = c.s1[L - 1].array().colwise() * wout.array();
      for (std::size_t l = L - 1; l > 0; --l) {
        c.u[l - 1].noalias() = wmap(m.weights[l]).transpose() * c.delta[l];
        c.delta[l - 1].array() = c.s1[l - 1].array() * c.u[l - 1].array();
      }
    }
    const auto w0 = Eigen::Index(m.options().hidden[0]);
    if constexpr (std::is_same_v<std::remove_cvref_t<G>, mat<T>>) {
      if (c.wcol) { // g = W_0[:, r0:r0+nr]ᵀ δ_0: columns of that transpose are pieces of W_0's rows
        const auto& W = m.weights[0].value;
        g.resize(nr, B);
        product(nr, B, w0, W.data() + r0, Eigen::Index(W.dim(1)), delta_data(c, 0), g.data());
        return;
      }
    }
    g.noalias() =
        wmap(m.weights[0]).middleCols(r0, nr).transpose() * Eigen::Map<const mat<T>>(delta_data(c, 0), w0, B);
  }

  /// Adjoint of input_gradient: gbar [nr x B] -> parameter gradients (+=) and, unless the
  /// activation is relu (for which ∇ₓf is piecewise constant in x), xbar += (∂g/∂x)ᵀ gbar.
  /// Returns whether xbar was touched.
  template <class GB, class XB>
  static bool input_gradient_adjoint(mlp<T>& m, const mlp_cache<T>& c, Eigen::Index r0, Eigen::Index nr,
                                     const GB& gbar, XB* xbar, mlp_scratch<T>& s) {
    const auto& o = m.options();
    const std::size_t L = o.hidden.size();
    const bool smooth = o.act != activation::relu;
    if (!smooth && c.wcol) {
      if constexpr (std::is_same_v<std::remove_cvref_t<GB>, mat<T>>) {
        relu_adjoint_unpacked(m, c, r0, nr, gbar, s);
      } else {
        s.gbar = gbar; // an expression or a map: the kernels read a contiguous matrix
        relu_adjoint_unpacked(m, c, r0, nr, s.gbar, s);
      }
      return false;
    }
    HAMGEN_CHECK(!c.defer, "hnn::mlp_kernels::input_gradient_adjoint: a cache attached to deferred weight "
                           "gradients needs a relu net and packed weights (wcol)");
    gmap(m.weights[0]).middleCols(r0, nr).noalias() += c.delta[0] * gbar.transpose();
    s.d.noalias() = wmap(m.weights[0]).middleCols(r0, nr) * gbar; // δ̄_1
    if (smooth) s.zbar.resize(L);
    for (std::size_t l = 0; l < L; ++l) {
      if (smooth) {
        s.ubar.resize(s.d.rows(), s.d.cols());
        s.ubar.array() = c.s1[l].array() * s.d.array();
        s.zbar[l].resize(s.d.rows(), s.d.cols());
        s.zbar[l].array() = c.s2[l].array() * c.u[l].array() * s.d.array();
      } else {
        relu_mask(c.a[l], s.d, s.ubar);
      }
      if (l + 1 < L) {
        gmap(m.weights[l + 1]).noalias() += c.delta[l + 1] * s.ubar.transpose();
        s.d.noalias() = wmap(m.weights[l + 1]) * s.ubar;
      } else {
        auto gw = vec_map<T>(gmap(m.weights[L]).data(), Eigen::Index(m.weights[L].value.size()));
        gw += s.ubar.rowwise().sum();
      }
    }
    if (!smooth) return false;
    for (std::size_t l = L; l-- > 0;) {
      const mat<T>& in = l == 0 ? c.x : c.a[l - 1];
      gmap(m.weights[l]).noalias() += s.zbar[l] * in.transpose();
      bgmap(m.biases[l]) += s.zbar[l].rowwise().sum();
      if (l > 0) {
        s.next.noalias() = wmap(m.weights[l]).transpose() * s.zbar[l];
        s.zbar[l - 1].array() += c.s1[l - 1].array() * s.next.array();
      } else if (xbar) {
        xbar->noalias() += wmap(m.weights[0]).transpose() * s.zbar[0];
      }
    }
    return true;
  }

  /// input_gradient_adjoint for relu with packed weights: every product one small_gemm, the masks
  /// [a_l > 0] fused into the products' stores. With L ≥ 2 (a mask_last pack) the last product,
  /// ū_{L-1} = m ⊙ W_{L-1} ū_{L-2}, is not formed: W̄_{L-1} and W̄_L both follow from Σ_b m ū_{L-2}ᵀ
  /// (relu_last_wgrad). With c.defer the weight-gradient products are left to c.defer->flush(): ḡ and
  /// ū_l go to the evaluation's column block (δ_l are there).
  static void relu_adjoint_unpacked(mlp<T>& m, const mlp_cache<T>& c, Eigen::Index r0, Eigen::Index nr,
                                    const mat<T>& gbar, mlp_scratch<T>& s) {
    const auto& o = m.options();
    const std::size_t L = o.hidden.size();
    const Eigen::Index B = gbar.cols(), w0 = Eigen::Index(o.hidden[0]);
    mlp_deferred_wgrad<T>* df = c.defer;
    const Eigen::Index c0 = c.defer_col;
    if (df) {
      HAMGEN_CHECK(df->net == &m && df->r0 == r0 && df->nr == nr,
                   "hnn::mlp_kernels: deferred weight gradients reserved for another net or input slice (r0=",
                   df->r0, ", nr=", df->nr, " against r0=", r0, ", nr=", nr, ")");
      HAMGEN_CHECK(c0 + B <= df->used, "hnn::mlp_kernels: the cache's deferred block (columns ", c0, "..",
                   c0 + B, ") is not attached (", df->used, " columns attached)");
      df->gbar.middleCols(c0, B) = gbar;
      df->filled += B;
    } else {
      relu_input_slice_wgrad(m, r0, nr, B, gbar.data(), c.delta[0].data());
    }
    // ū_l [w_l x B]: in the deferred block while a later weight gradient needs it, else scratch
    auto ubar_out = [&](std::size_t l, mat<T>& scratch) -> T* {
      const auto wl = Eigen::Index(o.hidden[l]);
      if (df && l + 1 < L) return df->ubar[l].data() + c0 * wl;
      scratch.resize(wl, B);
      return scratch.data();
    };
    // ū_0 = [a_0 > 0] ⊙ W_0[:, r0:r0+nr] ḡ
    T* u = ubar_out(0, s.ubar);
    product(w0, B, nr, c.wcol->w[0].data() + r0 * w0, w0, gbar.data(), u, c.a[0].data());
    // the hidden layers but the last: W̄_{l+1} += δ_{l+1} ū_lᵀ, ū_{l+1} = [a_{l+1} > 0] ⊙ W_{l+1} ū_l
    for (std::size_t l = 0; l + 2 < L; ++l) {
      const auto wl = Eigen::Index(o.hidden[l]), wn = Eigen::Index(o.hidden[l + 1]);
      if (!df) relu_hidden_wgrad(m, l, B, u, c.delta[l + 1].data());
      mat<T>& spare = u == s.ubar.data() ? s.next : s.ubar;
      T* next = ubar_out(l + 1, spare);
      product(wn, B, wl, c.wcol->w[l + 1].data(), wn, u, next, c.a[l + 1].data());
      u = next;
    }
    if (L >= 2) { // mask_last (input_gradient checked the pack): W̄_{L-1} and W̄_L from M, no ū_{L-1}
      if (!df) {
        s.last.start(m);
        s.last.accumulate(B, u, c.delta[L - 1].data());
        s.last.apply(m);
      }
      return;
    }
    // L = 1: W̄_L (the output row) += Σ_b ū_{L-1}
    auto gw = vec_map<T>(gmap(m.weights[L]).data(), Eigen::Index(m.weights[L].value.size()));
    gw += Eigen::Map<const mat<T>>(u, Eigen::Index(o.hidden[L - 1]), B).rowwise().sum();
  }
};

} // namespace detail
} // namespace hamgen::hnn
