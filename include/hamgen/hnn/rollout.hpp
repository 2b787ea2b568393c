// hamgen/hnn/rollout.hpp
//
// Represents: the differentiable rollout of a learned Hamiltonian (HGAN's motion model): a splitting
//             method given as kick/drift stages (hamgen/integrate/tableau.hpp; default kick-drift-kick
//             leapfrog), one step of dt per frame, applied to a non-separable H by
//               kick(c):  p ← p − c·dt·∂H/∂q(q, p*)      drift(c): q ← q + c·dt·∂H/∂p(q, p)
//             where a kick reuses the last ∂H/∂q evaluated since the last drift (p* is the momentum of
//             that evaluation; the force is recomputed only after q moved). For leapfrog this is the
//             HGAN reference code's update with its first half kick taking the previous step's force:
//             2 gradient evaluations per step (+1 at the start) instead of 3. For separable H it is
//             exactly the splitting method of the tableau (leapfrog order 2, yoshida4 order 4, ...).
//             dp/dt of a frame is −∂H/∂q of the last kick's evaluation (the HGAN cyclic-loss input).
//             Three entry points:
//               fused_rollout<H>         fused forward (no tape) and exact reverse sweep: parameter
//                                        gradients added into the parameters' grad, gradients of the
//                                        initial state returned; workspaces reused between calls.
//                                        With relu the forward writes every evaluation's δ_l into
//                                        one pool per part and the sweep's weight-gradient products
//                                        are added at its end, over all evaluations at once
//                                        (detail::mlp_deferred_wgrad), and the last hidden layer's
//                                        input-gradient product is carried from one evaluation to
//                                        the next (detail::mlp_last_layer_track).
//               rollout(tape, H, q0, p0) the fused rollout as ONE autodiff op: exact first-order
//                                        gradients to θ, q0, p0; under create_graph its gradients are
//                                        constants (no second order THROUGH the rollout — the double
//                                        backprop inside the force is done analytically).
//               rollout_taped(...)       the same scheme built from engine ops and grad(create_graph):
//                                        slower, differentiable to any order (the reference in tests).
// Requires:   q0, p0 [B, n], n = H.dim(); frames T ≥ 2; dt finite; the Hamiltonian must outlive the
//             tape (the op keeps a pointer to it).
// Ensures:    states [T, B, 2n] (frame 0 is (q0, p0); last axis q then p), dpdt [T − 1, B, n].
#pragma once

#include <array>
#include <memory>
#include <span>
#include <vector>

#include <hamgen/hnn/hamiltonian.hpp>
#include <hamgen/integrate/splitting.hpp>

namespace hamgen::hnn {

struct rollout_options {
  std::size_t frames = 16;                 ///< T: the initial state plus T − 1 steps
  double dt = 0.05;                        ///< one step per frame
  std::vector<integrate::stage> stages = { ///< default: kick-drift-kick leapfrog
      {integrate::stage_kind::kick, 0.5},
      {integrate::stage_kind::drift, 1.0},
      {integrate::stage_kind::kick, 0.5}};
};

/// The stages of an integrate method tag, e.g. stages_of<integrate::methods::yoshida4>().
template <class Method>
std::vector<integrate::stage> stages_of() {
  return {Method::table.stages.begin(), Method::table.stages.end()};
}

namespace detail {
/// When the scheme evaluates a force: every drift evaluates ∂H/∂p; a kick evaluates ∂H/∂q only if q
/// moved since the last kick evaluation (a drift ran, or no kick has evaluated yet) and otherwise
/// reuses that force. One schedule serves the fused forward, its evaluation count and rollout_taped.
struct force_schedule {
  bool q_moved = true;
  /// Called for each kick: whether it needs a new ∂H/∂q evaluation.
  bool kick() noexcept {
    const bool evaluate = q_moved;
    q_moved = false;
    return evaluate;
  }
  void drift() noexcept { q_moved = true; }
};

inline void check_rollout_options(const char* who, const rollout_options& o) {
  HAMGEN_CHECK(o.frames >= 2, who, ": frames must be at least 2 (got ", o.frames, ")");
  HAMGEN_CHECK(std::isfinite(o.dt), who, ": dt is not finite");
  bool kick = false;
  for (const auto& s : o.stages) kick = kick || s.kind == integrate::stage_kind::kick;
  HAMGEN_CHECK(kick, who, ": the stage list needs at least one kick");
}
} // namespace detail

template <class H>
class fused_rollout {
public:
  using T = typename H::value_type;
  using mat = detail::mat<T>;

  /// q0, p0: [B, n] row-major. Fills states() [T, B, 2n] and dpdt() [T-1, B, n].
  void forward(const H& h, const T* q0, const T* p0, std::size_t batch, const rollout_options& o) {
    detail::check_rollout_options("hnn::fused_rollout", o);
    n_ = Eigen::Index(h.dim());
    B_ = Eigen::Index(batch);
    T_ = o.frames;
    const Eigen::Index d = 2 * n_;
    if (states_.shape() != shape{T_, batch, std::size_t(d)})
      states_ = tensor<T>(shape{T_, batch, std::size_t(d)});
    const std::size_t ndp = T_ > 1 ? T_ - 1 : 0;
    if (dpdt_.shape() != shape{ndp, batch, std::size_t(n_)})
      dpdt_ = tensor<T>(shape{ndp, batch, std::size_t(n_)});
    ops_.clear();
    used_ = 0;
    // relu: every evaluation's δ_l go straight into a pool per part (q, p) whose weight-gradient
    // products the backward adds at its end, unless the pools would exceed max_deferred_bytes
    deferred_ = h.act() == activation::relu;
    if (deferred_) {
      const auto evals = evaluations_per_part(o);
      std::size_t bytes = 0;
      for (int w = 0; w < 2; ++w) bytes += h.deferred_bytes(w == 0 ? part::q : part::p, evals[w] * B_);
      deferred_ = bytes <= max_deferred_bytes;
      for (int w = 0; w < 2 && deferred_; ++w)
        if (evals[w] > 0) h.defer_weight_gradients(defer_[w], w == 0 ? part::q : part::p, evals[w] * B_);
    }
    // the weights are fixed for this forward and its backward: packed once per call
    h.pack_weights(packs_[0], part::q);
    if constexpr (!H::one_net_for_both_parts) h.pack_weights(packs_[1], part::p);
    for (auto& tr : tracks_) tr.reset(); // new weights: nothing carried from the last call
    cur_.resize(d, B_);
    for (Eigen::Index b = 0; b < B_; ++b)
      for (Eigen::Index i = 0; i < n_; ++i) {
        cur_(i, b) = q0[b * n_ + i];
        cur_(n_ + i, b) = p0[b * n_ + i];
      }
    frame(0) = cur_;
    ops_.push_back({op_kind::frame, -1, 0, 0});
    int kick_eval = -1;
    detail::force_schedule schedule;
    for (std::size_t k = 1; k < T_; ++k) {
      for (const auto& s : o.stages) {
        const T cdt = T(s.c * o.dt);
        if (s.kind == integrate::stage_kind::kick) {
          if (schedule.kick()) kick_eval = new_eval(h, part::q);
          cur_.bottomRows(n_).noalias() -= cdt * g_[std::size_t(kick_eval)];
          ops_.push_back({op_kind::kick, kick_eval, cdt, 0});
        } else {
          const int e = new_eval(h, part::p);
          cur_.topRows(n_).noalias() += cdt * g_[std::size_t(e)];
          ops_.push_back({op_kind::drift, e, cdt, 0});
          schedule.drift();
        }
      }
      frame(k) = cur_;
      dp(k - 1) = -g_[std::size_t(kick_eval)];
      ops_.push_back({op_kind::frame, kick_eval, 0, k});
    }
  }

  /// Reverse sweep for L(states, dpdt): dstates [T, B, 2n], ddpdt [T-1, B, n] (either may be null).
  /// Adds ∂L/∂θ into h's parameter gradients; writes ∂L/∂q0, ∂L/∂p0 ([B, n]) where non-null.
  void backward(H& h, const T* dstates, const T* ddpdt, T* dq0, T* dp0) {
    const Eigen::Index d = 2 * n_;
    sbar_.setZero(d, B_);
    // a pool without evaluations in this forward has nothing filled, so its flush adds nothing
    for (auto& pool : defer_) pool.discard_pending();
    for (std::size_t e = 0; e < used_; ++e) gbar_[e].setZero(n_, B_);
    for (std::size_t i = ops_.size(); i-- > 0;) {
      const op& o = ops_[i];
      switch (o.kind) {
      case op_kind::frame:
        if (dstates) sbar_ += Eigen::Map<const mat>(dstates + o.frame * std::size_t(d * B_), d, B_);
        if (ddpdt && o.frame > 0)
          gbar_[std::size_t(o.eval)] -=
              Eigen::Map<const mat>(ddpdt + (o.frame - 1) * std::size_t(n_ * B_), n_, B_);
        break;
      case op_kind::kick:
        gbar_[std::size_t(o.eval)].noalias() -= o.cdt * sbar_.bottomRows(n_);
        break;
      case op_kind::drift:
        gbar_[std::size_t(o.eval)].noalias() += o.cdt * sbar_.topRows(n_);
        break;
      case op_kind::eval:
        h.grad_part_adjoint(caches_[std::size_t(o.eval)], parts_[std::size_t(o.eval)],
                            gbar_[std::size_t(o.eval)], sbar_, scratch_);
        break;
      }
    }
    if (deferred_)
      for (int w = 0; w < 2; ++w) h.flush_weight_gradients(defer_[w], w == 0 ? part::q : part::p);
    for (Eigen::Index b = 0; b < B_; ++b)
      for (Eigen::Index i = 0; i < n_; ++i) {
        if (dq0) dq0[b * n_ + i] = sbar_(i, b);
        if (dp0) dp0[b * n_ + i] = sbar_(n_ + i, b);
      }
  }

  /// relu: the forward writes every evaluation's δ_l into one pool per part (q, p) and the backward
  /// adds the weight-gradient products after its sweep, over all evaluations at once
  /// (detail::mlp_deferred_wgrad; the last hidden layer's by summation by parts along each sample's
  /// evaluations, whose masks differ in ~0.2 % of their entries from step to step) — as long as the
  /// pools take at most this many bytes; beyond (or with 0), each evaluation's products run during
  /// the sweep. The pools hold ḡ and ū_l besides the δ_l (about a quarter more memory than the
  /// caches; 36 MiB for the HGAN model in float64 at batch 256, T = 30). Measured on the HGAN motion
  /// model (docs/hnn.md): deferred is faster at batch 16 and at batch 256.
  std::size_t max_deferred_bytes = std::size_t{1} << 30;

  const tensor<T>& states() const noexcept { return states_; }
  const tensor<T>& dpdt() const noexcept { return dpdt_; }
  std::size_t evaluations() const noexcept { return used_; } ///< gradient evaluations of the last forward
  bool deferred() const noexcept { return deferred_; }       ///< whether the last forward pooled its operands

private:
  enum class op_kind : unsigned char { frame, eval, kick, drift };
  struct op {
    op_kind kind;
    int eval;
    T cdt;
    std::size_t frame;
  };

  Eigen::Map<mat> frame(std::size_t k) {
    return Eigen::Map<mat>(states_.data() + k * std::size_t(2 * n_ * B_), 2 * n_, B_);
  }
  Eigen::Map<mat> dp(std::size_t k) {
    return Eigen::Map<mat>(dpdt_.data() + k * std::size_t(n_ * B_), n_, B_);
  }

  /// Gradient evaluations of part q and of part p in a forward with options o (as forward runs them).
  std::array<Eigen::Index, 2> evaluations_per_part(const rollout_options& o) const {
    std::array<Eigen::Index, 2> n{0, 0};
    detail::force_schedule schedule;
    for (std::size_t k = 1; k < T_; ++k)
      for (const auto& s : o.stages)
        if (s.kind == integrate::stage_kind::kick) {
          if (schedule.kick()) ++n[0];
        } else {
          ++n[1];
          schedule.drift();
        }
    return n;
  }

  int new_eval(const H& h, part w) {
    const std::size_t e = used_++;
    if (caches_.size() < used_) {
      caches_.resize(used_);
      g_.resize(used_);
      gbar_.resize(used_);
      parts_.resize(used_);
    }
    parts_[e] = w;
    h.prepare(caches_[e], B_, w);
    const int net = w == part::q || H::one_net_for_both_parts ? 0 : 1;
    caches_[e].wcol = &packs_[net];
    caches_[e].track = &tracks_[net];
    caches_[e].defer = nullptr;
    if (deferred_) defer_[w == part::q ? 0 : 1].attach(caches_[e], B_);
    g_[e].resize(n_, B_);
    h.grad_part(caches_[e], cur_, w, g_[e]);
    ops_.push_back({op_kind::eval, int(e), 0, 0});
    return int(e);
  }

  Eigen::Index n_ = 0, B_ = 0;
  std::size_t T_ = 0, used_ = 0;
  bool deferred_ = false; ///< the last forward attached its evaluations to defer_
  tensor<T> states_, dpdt_;
  mat cur_, sbar_;
  std::vector<op> ops_;
  std::vector<typename H::cache> caches_;
  std::vector<mat> g_, gbar_;
  std::vector<part> parts_;
  detail::mlp_scratch<T> scratch_;
  detail::mlp_deferred_wgrad<T> defer_[2]; ///< batched weight-gradient products of part q / part p
  detail::mlp_pack<T> packs_[2];           ///< packed weights of the nets evaluated for part q / part p (one
                                           ///< set when H evaluates the same net for both)
  detail::mlp_last_layer_track<T> tracks_[2]; ///< the last hidden layer's product carried from one
                                              ///< evaluation of a net to the next (as packs_)
};

template <class T>
struct rollout_result {
  var<T> states; ///< [T, B, 2n]
  var<T> dpdt;   ///< [T-1, B, n]
};

/// The fused rollout as one autodiff op (exact first-order gradients to θ, q0 and p0).
template <class H>
rollout_result<typename H::value_type> rollout(tape& t, H& h, const var<typename H::value_type>& q0,
                                               const var<typename H::value_type>& p0,
                                               const rollout_options& o = {}) {
  using T = typename H::value_type;
  detail::check_qp("hnn::rollout", h.dim(), q0, p0);
  const std::size_t B = q0.shape()[0], n = h.dim(), Tn = o.frames;
  auto fr = std::make_shared<fused_rollout<H>>();
  fr->forward(h, q0.value().data(), p0.value().data(), B, o);
  const std::size_t ns = Tn * B * 2 * n, nd = (Tn - 1) * B * n;
  tensor<T> flat(shape{ns + nd});
  std::copy(fr->states().begin(), fr->states().end(), flat.data());
  std::copy(fr->dpdt().begin(), fr->dpdt().end(), flat.data() + ns);

  std::vector<var<T>> inputs{q0, p0};
  std::vector<nn::parameter<T>*> params;
  h.visit_parameters([&](const std::string&, nn::parameter<T>& prm) { params.push_back(&prm); }, "");
  for (auto* prm : params) inputs.push_back(prm->bind(t));
  H* hp = &h;
  var<T> out = record(t, "hnn_rollout", std::move(flat), std::span<const var<T>>(inputs),
                      [fr, hp, params, ns, B, n](autodiff::backward_context<T, cpu_t>& c) {
                        const var<T> grad_out = c.grad(); // the node owns the value
                        const tensor<T>& g = grad_out.value();
                        std::vector<tensor<T>> saved(params.size());
                        for (std::size_t k = 0; k < params.size(); ++k) {
                          saved[k] = tensor<T>::zeros(params[k]->value.shape());
                          std::swap(saved[k], params[k]->grad);
                        }
                        tensor<T> dq(shape{B, n}), dp(shape{B, n});
                        fr->backward(*hp, g.data(), g.data() + ns, dq.data(), dp.data());
                        tape& tp = c.get_tape();
                        for (std::size_t k = 0; k < params.size(); ++k) {
                          std::swap(saved[k], params[k]->grad); // saved[k] now holds this op's gradient
                          if (c.needs(k + 2)) c.accumulate(k + 2, tp.constant(std::move(saved[k])));
                        }
                        if (c.needs(0)) c.accumulate(0, tp.constant(std::move(dq)));
                        if (c.needs(1)) c.accumulate(1, tp.constant(std::move(dp)));
                      });
  rollout_result<T> r;
  r.states = autodiff::reshape(autodiff::slice(out, 0, 0, ns), shape{Tn, B, 2 * n});
  r.dpdt = autodiff::reshape(autodiff::slice(out, 0, ns, ns + nd), shape{Tn - 1, B, n});
  return r;
}

/// The same scheme from engine ops: every force by grad(Σ H, {q, p}, create_graph). q0 and p0 must
/// require a gradient (tape::variable). Differentiable to any order; the reference for the tests.
template <learned_hamiltonian H>
rollout_result<typename H::value_type> rollout_taped(tape& t, H& h, const var<typename H::value_type>& q0,
                                                     const var<typename H::value_type>& p0,
                                                     const rollout_options& o = {}) {
  using T = typename H::value_type;
  namespace ad = hamgen::autodiff;
  detail::check_qp("hnn::rollout_taped", h.dim(), q0, p0);
  detail::check_rollout_options("hnn::rollout_taped", o);
  const std::size_t B = q0.shape()[0], n = h.dim();
  const shape one{1, B, n};
  var<T> q = q0, p = p0, force; // force = −∂H/∂q of the last kick evaluation
  detail::force_schedule schedule;
  std::vector<var<T>> frames{ad::reshape(ad::concat(std::vector<var<T>>{q, p}, 1), shape{1, B, 2 * n})};
  std::vector<var<T>> dps;
  for (std::size_t k = 1; k < o.frames; ++k) {
    for (const auto& s : o.stages) {
      const T cdt = T(s.c * o.dt);
      if (s.kind == integrate::stage_kind::kick) {
        if (schedule.kick()) force = vector_field(t, h, q, p).second;
        p = ad::add(p, ad::scale(force, cdt));
      } else {
        q = ad::add(q, ad::scale(vector_field(t, h, q, p).first, cdt));
        schedule.drift();
      }
    }
    frames.push_back(ad::reshape(ad::concat(std::vector<var<T>>{q, p}, 1), shape{1, B, 2 * n}));
    dps.push_back(ad::reshape(force, one));
  }
  rollout_result<T> r;
  r.states = ad::concat(frames, 0);
  if (!dps.empty()) r.dpdt = ad::concat(dps, 0);
  return r;
}

} // namespace hamgen::hnn
