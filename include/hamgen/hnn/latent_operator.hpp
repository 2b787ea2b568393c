// hamgen/hnn/latent_operator.hpp
//
// Represents: HALO's latent operator layer (paper 003, eqs. 5 and 10-11): K blocks, block k acting on
//             its own phase-space subspace s_k = (q_k, p_k) ∈ R^{2d} with the linear Hamiltonian flow
//               s_k(τ) = exp(τ H_k) s_k(τ0),   H_k = J·M_k,   E_k(s) = ½ s_kᵀ M_k s_k,
//             variant hamiltonian: M_k = sym(W_k) = (W_k + W_kᵀ)/2, W_k ∈ R^{2d×2d} (2d² + d free
//             parameters); variant skew: M_k = diag(sym(A_k), sym(A_k)), A_k ∈ R^{d×d}, i.e.
//             H_k = [[0, S], [−S, 0]] (exp(τH_k) orthogonal and symplectic). States are rolled forward
//             AND backward in time from a reference frame r: τ_j = (j − r)·dt, j = 0..T−1.
//             expm(tape, A) is the matrix exponential as an autodiff op: value by linalg::expm, backward
//             by the Fréchet adjoint L(Aᵀ, G) (linalg::expm_frechet_adjoint; Al-Mohy & Higham 2009).
//             Its FIRST-order gradients are exact; under create_graph its gradient is a constant (no
//             second order through expm) — enough for HALO, whose losses need first order only.
// Requires:   s_ref [B, K·2d]; dt finite; 0 ≤ reference < frames.
// Ensures:    forward -> [T, B, K·2d] (frame r equals s_ref); energy -> [B, K]; E_k is conserved
//             along the output up to rounding (exp(τJM) preserves ½ sᵀMs).
#pragma once

#include <string>
#include <vector>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/linalg/frechet.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::hnn {

/// exp(A) of a square rank-2 var; first-order exact gradient through the Fréchet adjoint.
template <class T>
var<T> expm(const var<T>& a) {
  HAMGEN_CHECK_SHAPE(a.shape().rank() == 2 && a.shape()[0] == a.shape()[1], "hnn::expm: A has shape ",
                     a.shape(), ", expected a square matrix");
  using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto n = Eigen::Index(a.shape()[0]);
  tensor<T> out(a.shape());
  Eigen::Map<M>(out.data(), n, n) = linalg::expm(Eigen::Map<const M>(a.value().data(), n, n));
  return record(a.get_tape(), "expm", std::move(out), {a}, [n](autodiff::backward_context<T, cpu_t>& c) {
    tensor<T> g(c.input(0).shape());
    auto r = linalg::expm_frechet_adjoint(Eigen::Map<const M>(c.input(0).value().data(), n, n),
                                          Eigen::Map<const M>(c.grad().value().data(), n, n));
    Eigen::Map<M>(g.data(), n, n) = r.derivative;
    c.accumulate(0, c.get_tape().constant(std::move(g)));
  });
}

enum class operator_variant { hamiltonian, skew };

struct latent_operator_options {
  std::size_t blocks = 1; ///< K
  std::size_t d = 1;      ///< degrees of freedom per block (block state 2d)
  operator_variant variant = operator_variant::hamiltonian;
  double init_scale = 0.1; ///< W ~ N(0, init_scale²)
};

template <class T = double>
class latent_operator {
public:
  using value_type = T;
  using device_type = cpu_t;

  explicit latent_operator(latent_operator_options o, generator& g = nn::default_generator()) : opt_(o) {
    HAMGEN_CHECK(o.blocks > 0 && o.d > 0, "hnn::latent_operator: blocks and d must be positive");
    const std::size_t m = o.variant == operator_variant::hamiltonian ? 2 * o.d : o.d;
    for (std::size_t k = 0; k < o.blocks; ++k) {
      tensor<T> w(shape{m, m});
      for (auto& v : w) v = T(o.init_scale * g.normal());
      weights.emplace_back(std::move(w));
    }
  }

  std::size_t state_dim() const noexcept { return opt_.blocks * 2 * opt_.d; }
  const latent_operator_options& options() const noexcept { return opt_; }

  /// M_k (symmetric, [2d, 2d]) and H_k = J M_k as vars.
  std::pair<var<T>, var<T>> generator_matrices(tape& t, std::size_t k) {
    namespace ad = hamgen::autodiff;
    const std::size_t d = opt_.d;
    var<T> w = weights[k].bind(t);
    var<T> s = ad::scale(ad::add(w, ad::transpose(w)), T(0.5));
    var<T> m;
    if (opt_.variant == operator_variant::hamiltonian) {
      m = s;
    } else {
      var<T> z = t.constant(tensor<T>::zeros(shape{d, d}));
      m = ad::concat(std::vector<var<T>>{ad::concat(std::vector<var<T>>{s, z}, 1),
                                         ad::concat(std::vector<var<T>>{z, s}, 1)},
                     0);
    }
    // J M: rows (top; bottom) of M become (bottom; −top)
    var<T> hm = ad::concat(std::vector<var<T>>{ad::slice(m, 0, d, 2 * d), ad::neg(ad::slice(m, 0, 0, d))}, 0);
    return {m, hm};
  }

  /// States at τ_j = (j − reference)·dt for j < frames: [frames, B, K·2d].
  var<T> forward(tape& t, const var<T>& s_ref, std::size_t frames, std::size_t reference, double dt) {
    namespace ad = hamgen::autodiff;
    HAMGEN_CHECK_SHAPE(s_ref.shape().rank() == 2 && s_ref.shape()[1] == state_dim(),
                       "hnn::latent_operator::forward: s_ref has shape ", s_ref.shape(), ", expected [B, ",
                       state_dim(), "]");
    HAMGEN_CHECK(frames > 0 && reference < frames, "hnn::latent_operator::forward: reference frame ",
                 reference, " is not below frames = ", frames);
    HAMGEN_CHECK(std::isfinite(dt), "hnn::latent_operator::forward: dt is not finite");
    const std::size_t B = s_ref.shape()[0], d2 = 2 * opt_.d;
    std::vector<var<T>> hs;
    for (std::size_t k = 0; k < opt_.blocks; ++k) hs.push_back(generator_matrices(t, k).second);
    std::vector<var<T>> out;
    for (std::size_t j = 0; j < frames; ++j) {
      const T tau = T((double(j) - double(reference)) * dt);
      std::vector<var<T>> blocks;
      for (std::size_t k = 0; k < opt_.blocks; ++k) {
        var<T> sk = ad::slice(s_ref, 1, k * d2, (k + 1) * d2);
        blocks.push_back(j == reference ? sk : ad::matmul(sk, expm(ad::scale(hs[k], tau)), false, true));
      }
      out.push_back(
          ad::reshape(opt_.blocks == 1 ? blocks[0] : ad::concat(blocks, 1), shape{1, B, state_dim()}));
    }
    return frames == 1 ? out[0] : ad::concat(out, 0);
  }

  /// E_k = ½ s_kᵀ M_k s_k for s [B, K·2d]: [B, K].
  var<T> energy(tape& t, const var<T>& s) {
    namespace ad = hamgen::autodiff;
    HAMGEN_CHECK_SHAPE(s.shape().rank() == 2 && s.shape()[1] == state_dim(),
                       "hnn::latent_operator::energy: s has shape ", s.shape(), ", expected [B, ",
                       state_dim(), "]");
    const std::size_t d2 = 2 * opt_.d;
    std::vector<var<T>> es;
    for (std::size_t k = 0; k < opt_.blocks; ++k) {
      var<T> sk = ad::slice(s, 1, k * d2, (k + 1) * d2);
      var<T> msk = ad::matmul(sk, generator_matrices(t, k).first);
      es.push_back(ad::scale(ad::sum_axis(ad::mul(sk, msk), 1), T(0.5)));
    }
    std::vector<var<T>> cols;
    for (auto& e : es) cols.push_back(ad::reshape(e, shape{s.shape()[0], 1}));
    return opt_.blocks == 1 ? cols[0] : ad::concat(cols, 1);
  }

  void train(bool on) noexcept { training_ = on; }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    for (std::size_t k = 0; k < weights.size(); ++k) f(prefix + "W." + std::to_string(k), weights[k]);
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    for (std::size_t k = 0; k < weights.size(); ++k) f(prefix + "W." + std::to_string(k), weights[k].value);
  }

  std::vector<nn::parameter<T>> weights;

private:
  latent_operator_options opt_;
  bool training_ = true;
};

} // namespace hamgen::hnn
