// hamgen/hnn/hamiltonian.hpp
//
// Represents: learned Hamiltonians (Greydanus, Dzamba & Yosinski 2019, "Hamiltonian Neural
//             Networks"; HGAN, Allen-Blanchette et al.):
//               mlp_hamiltonian<T>        H_θ(q, p) = MLP([q, p]) with a scalar output;
//               separable_hamiltonian<T>  H_θ(q, p) = T_θ(p) + V_θ(q), two scalar MLPs;
//             and their symplectic vector field (dq/dt, dp/dt) = (∂H/∂p, −∂H/∂q).
//             Two implementations of the field, checked against each other in the tests:
//               vector_field(tape, H, q, p)   engine double backprop: grad(Σ H, {q, p},
//                                             create_graph) — differentiable to any order in θ and
//                                             the state;
//               H.grad_part / grad_part_adjoint  fused analytic input gradient of the MLP and its
//                                             exact adjoint (used by hnn/rollout.hpp).
// Requires:   q, p of shape [B, n] with n = dim(); for vector_field, q and p must require a gradient
//             (variables, or results of earlier differentiable steps).
// Ensures:    energy(t, q, p) is [B, 1]; shape_error naming the component otherwise.
#pragma once

#include <utility>

#include <hamgen/autodiff/grad.hpp>
#include <hamgen/hnn/mlp.hpp>

namespace hamgen::hnn {

/// Which half of ∇H an evaluation produces: ∂H/∂q (for kicks) or ∂H/∂p (for drifts).
enum class part { q, p };

struct hamiltonian_options {
  std::size_t n = 10; ///< dimension of q (and of p)
  std::vector<std::size_t> hidden{100, 100};
  activation act = activation::relu;
  weight_init init = weight_init::xavier_uniform;
};

namespace detail {
template <class T>
void check_qp(const char* who, std::size_t n, const var<T>& q, const var<T>& p) {
  HAMGEN_CHECK_SHAPE(q.shape().rank() == 2 && q.shape()[1] == n && p.shape() == q.shape(), who,
                     ": q has shape ", q.shape(), ", p has shape ", p.shape(), ", expected [B, ", n,
                     "] both");
}
} // namespace detail

template <class T = float>
class mlp_hamiltonian : public detail::mlp_module<T> {
public:
  using detail::mlp_module<T>::net;
  using value_type = T;
  using device_type = cpu_t;
  using cache = detail::mlp_cache<T>;

  explicit mlp_hamiltonian(hamiltonian_options o, generator& g = nn::default_generator())
      : detail::mlp_module<T>(
            mlp_options{.in = 2 * o.n, .hidden = o.hidden, .out = 1, .act = o.act, .init = o.init}, g),
        n_(o.n) {}

  std::size_t dim() const noexcept { return n_; }
  activation act() const noexcept { return net.options().act; }

  /// Taped H(q, p): [B, 1].
  var<T> energy(tape& t, const var<T>& q, const var<T>& p) {
    detail::check_qp("mlp_hamiltonian::energy", n_, q, p);
    return net.forward(t, autodiff::concat(std::vector<var<T>>{q, p}, 1));
  }

  // ---- fused kernels (state is [2n x B], column-major, q rows first) ----
  void prepare(cache& c, Eigen::Index batch, part) const { c.resize(net.options(), batch, true); }
  /// Both parts evaluate the same net: one set of packed weights serves kicks and drifts.
  static constexpr bool one_net_for_both_parts = true;
  /// The packed weights for a cache's wcol (mlp_kernels::pack).
  void pack_weights(detail::mlp_pack<T>& w, part) const { detail::mlp_kernels<T>::pack(net, w); }
  template <class S, class G>
  void grad_part(cache& c, const S& state, part w, G&& g) const {
    c.x = state;
    detail::mlp_kernels<T>::input_gradient(net, c, w == part::q ? 0 : Eigen::Index(n_), Eigen::Index(n_),
                                           std::forward<G>(g));
  }
  /// Reserves d for `columns` deferred adjoint columns of part w (relu only; see mlp_deferred_wgrad).
  void defer_weight_gradients(detail::mlp_deferred_wgrad<T>& d, part w, Eigen::Index columns) const {
    d.reserve(net, w == part::q ? 0 : Eigen::Index(n_), Eigen::Index(n_), columns);
  }
  /// Bytes defer_weight_gradients would reserve for `columns` columns.
  std::size_t deferred_bytes(part, Eigen::Index columns) const {
    return detail::mlp_deferred_wgrad<T>::bytes(net, Eigen::Index(n_), columns);
  }
  /// Adds d's pending products (part w) into the parameter gradients.
  void flush_weight_gradients(detail::mlp_deferred_wgrad<T>& d, part) { d.flush(net); }
  template <class GB, class SB>
  bool grad_part_adjoint(const cache& c, part w, const GB& gbar, SB& state_bar, detail::mlp_scratch<T>& s) {
    return detail::mlp_kernels<T>::input_gradient_adjoint(net, c, w == part::q ? 0 : Eigen::Index(n_),
                                                          Eigen::Index(n_), gbar, &state_bar, s);
  }

private:
  std::size_t n_;
};

template <class T = float>
class separable_hamiltonian {
public:
  using value_type = T;
  using device_type = cpu_t;
  using cache = detail::mlp_cache<T>;

  explicit separable_hamiltonian(hamiltonian_options o, generator& g = nn::default_generator())
      : n_(o.n),
        kinetic(mlp_options{.in = o.n, .hidden = o.hidden, .out = 1, .act = o.act, .init = o.init}, g),
        potential(mlp_options{.in = o.n, .hidden = o.hidden, .out = 1, .act = o.act, .init = o.init}, g) {}

  std::size_t dim() const noexcept { return n_; }
  activation act() const noexcept { return kinetic.options().act; }

  /// Taped H(q, p) = T(p) + V(q): [B, 1].
  var<T> energy(tape& t, const var<T>& q, const var<T>& p) {
    detail::check_qp("separable_hamiltonian::energy", n_, q, p);
    return autodiff::add(kinetic.forward(t, p), potential.forward(t, q));
  }

  void prepare(cache& c, Eigen::Index batch, part w) const {
    c.resize((w == part::q ? potential : kinetic).options(), batch, true);
  }
  static constexpr bool one_net_for_both_parts = false;
  /// The packed weights for a cache's wcol (mlp_kernels::pack): V's for part::q, T's for part::p.
  void pack_weights(detail::mlp_pack<T>& w, part p) const {
    detail::mlp_kernels<T>::pack(p == part::q ? potential : kinetic, w);
  }
  template <class S, class G>
  void grad_part(cache& c, const S& state, part w, G&& g) const {
    const auto n = Eigen::Index(n_);
    if (w == part::q) {
      c.x = state.topRows(n);
      detail::mlp_kernels<T>::input_gradient(potential, c, 0, n, std::forward<G>(g));
    } else {
      c.x = state.bottomRows(n);
      detail::mlp_kernels<T>::input_gradient(kinetic, c, 0, n, std::forward<G>(g));
    }
  }
  /// Reserves d for `columns` deferred adjoint columns of part w: V's for q, T's for p (relu only).
  void defer_weight_gradients(detail::mlp_deferred_wgrad<T>& d, part w, Eigen::Index columns) const {
    d.reserve(w == part::q ? potential : kinetic, 0, Eigen::Index(n_), columns);
  }
  /// Bytes defer_weight_gradients would reserve for `columns` columns.
  std::size_t deferred_bytes(part w, Eigen::Index columns) const {
    return detail::mlp_deferred_wgrad<T>::bytes(w == part::q ? potential : kinetic, Eigen::Index(n_),
                                                columns);
  }
  /// Adds d's pending products (part w: V's for q, T's for p) into the parameter gradients.
  void flush_weight_gradients(detail::mlp_deferred_wgrad<T>& d, part w) {
    d.flush(w == part::q ? potential : kinetic);
  }
  template <class GB, class SB>
  bool grad_part_adjoint(const cache& c, part w, const GB& gbar, SB& state_bar, detail::mlp_scratch<T>& s) {
    const auto n = Eigen::Index(n_);
    if (w == part::q) {
      auto qb = state_bar.topRows(n);
      return detail::mlp_kernels<T>::input_gradient_adjoint(potential, c, 0, n, gbar, &qb, s);
    }
    auto pb = state_bar.bottomRows(n);
    return detail::mlp_kernels<T>::input_gradient_adjoint(kinetic, c, 0, n, gbar, &pb, s);
  }

  void train(bool on) noexcept {
    kinetic.train(on);
    potential.train(on);
  }
  bool is_training() const noexcept { return kinetic.is_training(); }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    kinetic.visit_parameters(f, prefix + "kinetic.");
    potential.visit_parameters(f, prefix + "potential.");
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    kinetic.visit_state(f, prefix + "kinetic.");
    potential.visit_state(f, prefix + "potential.");
  }
  void zero_grad() {
    kinetic.zero_grad();
    potential.zero_grad();
  }

private:
  std::size_t n_;

public:
  mlp<T> kinetic, potential;
};

/// A learned Hamiltonian usable by the rollouts.
template <class H>
concept learned_hamiltonian = requires(H& h, tape& t, const var<typename H::value_type>& v) {
  { h.dim() } -> std::convertible_to<std::size_t>;
  { h.energy(t, v, v) } -> std::same_as<var<typename H::value_type>>;
};

/// The symplectic vector field by engine double backprop: returns (dq/dt, dp/dt) = (∂H/∂p, −∂H/∂q),
/// both [B, n], differentiable (any order) in θ, q and p.
template <learned_hamiltonian H>
std::pair<var<typename H::value_type>, var<typename H::value_type>>
vector_field(tape& t, H& h, const var<typename H::value_type>& q, const var<typename H::value_type>& p) {
  HAMGEN_CHECK(q.requires_grad() && p.requires_grad(),
               "hnn::vector_field: q and p must require a gradient (use tape::variable for constant states)");
  // Fresh aliases: grad w.r.t. a non-leaf sums over ALL paths (torch semantics), so if p depended on
  // q (p = p_h + dt/2 F(q)), grad(H(q, p), q) would be the total derivative. Taking the gradient
  // w.r.t. identity copies made here yields the partial derivatives ∂H/∂q, ∂H/∂p, still differentiable
  // in q, p and θ through the identity ops.
  using T = typename H::value_type;
  var<T> qa = autodiff::scale(q, T(1)), pa = autodiff::scale(p, T(1));
  auto e = autodiff::sum(h.energy(t, qa, pa));
  auto g = grad(t, e, {qa, pa}, {.create_graph = true});
  return {g[1], autodiff::neg(g[0])};
}

} // namespace hamgen::hnn
