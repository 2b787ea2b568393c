// hamgen/autodiff/grad.hpp
//
// Represents: the reverse sweep. grad(t, y, {x...}, {.create_graph = ...}) returns ∂(Σ seed ⊙ y)/∂x
//             for each x as vars (PyTorch's torch.autograd.grad); backward(t, y) adds ∂y/∂leaf to
//             every parameter's gradient tensor and every variable leaf's grad() (loss.backward());
//             backward(t, y, {.retain_graph = false}) frees each op's value (and closure) as soon as
//             the sweep has passed every reader (PyTorch's default), see backward_options.
//             backward_context is what an op's backward closure sees.
// Requires:   y and every x recorded on t; y has one element unless a seed of y's shape is given.
// Ensures:    only nodes on a path to a requested x are visited (pruned sweep); with
//             create_graph = true the sweep records onto t, so the returned gradients are
//             differentiable vars (double backprop, R1 penalties, HNN forces); without it the
//             sweep records nothing and the gradients are constants. An x that y does not depend
//             on gets a zero gradient. A backward closure returning a gradient of the wrong shape
//             raises shape_error naming the op; in anomaly mode a non-finite gradient raises
//             value_error naming the op whose backward produced it.
#pragma once

#include <initializer_list>
#include <span>
#include <vector>

#include <hamgen/autodiff/tape.hpp>
#include <hamgen/ops/elementwise.hpp>

namespace hamgen::autodiff {

struct grad_options {
  /// Record the backward pass so that the returned gradients can be differentiated again.
  bool create_graph = false;
};

struct backward_options {
  /// Keep every forward value on the tape (the default: vars are plain handles, so intermediate
  /// values stay readable and the graph can be differentiated again). false (PyTorch's default
  /// retain_graph=False): the sweep frees each op's value right after running that op's backward,
  /// since no op still to be swept can read it (node ids are a topological order), so the peak
  /// memory of a training step is the forward graph's, not forward + backward. y's value, leaves
  /// (constants, variables, parameters) and ops the sweep does not pass through keep theirs;
  /// reading a freed value (var::value), recording an op on it, or sweeping through it again
  /// raises value_error saying it was freed.
  bool retain_graph = true;
};

namespace detail {

template <class T, class D>
struct sweep_state {
  tape& t;
  std::size_t n;                  // nodes [0, n) belong to the forward graph
  std::vector<char> needed;       // node needs a gradient
  std::vector<node<T, D>*> grads; // gradient of each node (a node on t), or null
  bool create_graph;
  // Without create_graph, gradient tensors made during the sweep (node ids >= n) are freed as
  // soon as no slot refers to them any more (reference counts in node_base::sweep_uses), and the
  // intermediate results a backward closure made are freed once it returns.
  const node<T, D>* pinned = nullptr;         // the caller's seed: never freed
  const std::vector<char>* targets = nullptr; // grad() targets: their slots are returned

  bool temporary(const node<T, D>* g) const noexcept { return !create_graph && g->id >= n && g != pinned; }
  void ref(node<T, D>* g) noexcept {
    if (temporary(g)) ++g->sweep_uses;
  }
  static void free_value(node<T, D>* g) noexcept {
    g->owned = tensor<T, D>();
    g->released = true;
  }
  void unref(node<T, D>* g) noexcept {
    if (temporary(g) && g->sweep_uses > 0 && --g->sweep_uses == 0) free_value(g);
  }
  /// Frees what the backward closure that ran since the tape had `mark` nodes left behind: every
  /// temporary it made that no gradient slot refers to.
  void release_closure_temporaries(std::size_t mark) noexcept {
    const void* key = detail::type_key<T, D>();
    for (std::size_t k = mark; k < t.size(); ++k) {
      node_base* b = t.at(k);
      if (b->type_key != key) continue;
      auto* g = static_cast<node<T, D>*>(b);
      if (temporary(g) && g->sweep_uses == 0 && !g->released) free_value(g);
    }
  }
};

template <class T, class D>
var<T, D> add_grads(var<T, D> a, var<T, D> b);

} // namespace detail

/// What a backward closure sees: the output gradient and where to send the input gradients.
template <class T, class D>
class backward_context {
public:
  backward_context(detail::sweep_state<T, D>& s, node<T, D>* self) : s_(s), self_(self) {}

  /// ∂L/∂(this op's output), a var (differentiable when create_graph()).
  var<T, D> grad() const noexcept { return var<T, D>(s_.grads[self_->id]); }
  /// This op's output.
  var<T, D> output() const noexcept { return var<T, D>(self_); }
  /// Input k of this op.
  var<T, D> input(std::size_t k) const noexcept { return var<T, D>(self_->parents[k]); }
  /// Whether input k needs a gradient (skip computing it otherwise).
  bool needs(std::size_t k) const noexcept {
    const auto* p = self_->parents[k];
    return p->requires_grad && p->id < s_.n && s_.needed[p->id];
  }
  bool create_graph() const noexcept { return s_.create_graph; }
  tape& get_tape() const noexcept { return s_.t; }

  /// Without create_graph: ∂L/∂(output) as a tensor the closure may overwrite, moved out of the
  /// sweep when nothing else refers to it (no copy), copied otherwise; grad() must not be read
  /// after it. For elementwise backward maps computed in place (relu, tanh, ...).
  tensor<T, D> take_grad() {
    HAMGEN_CHECK(!s_.create_graph, "autodiff: backward of op '", self_->op,
                 "' took its gradient's buffer under create_graph");
    node<T, D>* g = s_.grads[self_->id];
    if (s_.temporary(g) && g->sweep_uses == 1 && g->value == &g->owned && !(*s_.targets)[self_->id])
      return std::move(g->owned);
    return *g->value;
  }

  /// Adds g to ∂L/∂(input k). g must have input k's shape. Without create_graph the sum may be
  /// formed in g's buffer, so a closure must not read g after handing it over.
  void accumulate(std::size_t k, var<T, D> g) {
    if (!needs(k)) return;
    auto* p = self_->parents[k];
    HAMGEN_CHECK_SHAPE(g.shape() == p->value->shape(), "autodiff: backward of op '", self_->op, "' (node #",
                       self_->id, ") returned a gradient of shape ", g.shape(), " for input ", k,
                       " of shape ", p->value->shape());
    if (s_.t.anomaly()) {
      const auto& v = g.value();
      for (std::size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(static_cast<double>(v[i])))
          throw value_error(hamgen::detail::concat("autodiff anomaly: backward of op '", self_->op,
                                                   "' (node #", self_->id, ") produced ",
                                                   std::isnan(static_cast<double>(v[i])) ? "NaN" : "Inf",
                                                   " in the gradient of input ", k, " at element ", i));
    }
    auto*& slot = s_.grads[p->id];
    if (!slot) {
      slot = g.get_node();
      s_.ref(slot);
    } else if (s_.temporary(slot) && slot->sweep_uses == 1 && slot->value == &slot->owned) {
      ops::axpy(T(1), g.value(), slot->owned); // sole owner: sum in place (no new tensor)
    } else {
      auto* old = slot;
      slot = detail::add_grads(var<T, D>(old), g).get_node();
      s_.ref(slot);
      s_.unref(old);
    }
  }

private:
  detail::sweep_state<T, D>& s_;
  node<T, D>* self_;
};

namespace detail {

template <class T, class D>
var<T, D> add_grads(var<T, D> a, var<T, D> b) {
  tensor<T, D> v = ops::add(a.value(), b.value());
  return record(
      a.get_tape(), "add", std::move(v), {a, b},
      [](backward_context<T, D>& ctx) {
        ctx.accumulate(0, ctx.grad());
        ctx.accumulate(1, ctx.grad());
      },
      output_unread);
}

/// The sweep shared by grad() and backward(). `targets` empty: every requires_grad node is needed
/// and leaf gradients go to sinks / leaf_grad. `free_values`: backward_options::retain_graph false.
template <class T, class D>
std::vector<var<T, D>> sweep(tape& t, var<T, D> y, var<T, D> seed, std::span<const var<T, D>> targets,
                             bool create_graph, bool to_sinks, bool free_values = false) {
  const char* who = to_sinks ? "autodiff::backward" : "autodiff::grad";
  HAMGEN_CHECK(y.valid() && &y.get_tape() == &t, who, ": y was not recorded on this tape");
  sweep_state<T, D> s{t, y.id() + 1, {}, {}, create_graph, nullptr};
  s.needed.assign(s.n, 0);
  s.grads.assign(s.n, nullptr);
  const void* key = detail::type_key<T, D>();
  if (to_sinks) {
    for (std::size_t i = 0; i < s.n; ++i) s.needed[i] = t.at(i)->requires_grad && t.at(i)->type_key == key;
  } else {
    std::vector<char> is_target(s.n, 0);
    for (const auto& x : targets) {
      HAMGEN_CHECK(x.valid() && &x.get_tape() == &t, who, ": an input was not recorded on this tape");
      if (x.id() < s.n) is_target[x.id()] = 1;
    }
    for (std::size_t i = 0; i < s.n; ++i) {
      node_base* b = t.at(i);
      if (!b->requires_grad || b->type_key != key) continue;
      auto* nd = static_cast<node<T, D>*>(b);
      char need = is_target[i];
      for (std::uint32_t k = 0; k < nd->nparents && !need; ++k) need = s.needed[nd->parents[k]->id];
      s.needed[i] = need;
    }
  }
  no_grad_guard mode(t, create_graph);
  if (y.requires_grad() && s.needed[y.id()]) {
    if (seed.valid()) {
      check_same_shape(who, seed.shape(), y.shape(), "seed", "y");
      s.grads[y.id()] = seed.get_node();
      s.pinned = seed.get_node();
    } else {
      HAMGEN_CHECK_SHAPE(y.size() == 1, who, ": y has shape ", y.shape(),
                         "; a non-scalar output needs a seed of the same shape");
      s.grads[y.id()] = t.constant(tensor<T, D>(y.shape(), T(1))).get_node();
      s.ref(s.grads[y.id()]);
    }
  }
  std::vector<char> is_target_any(s.n, 0);
  for (const auto& x : targets)
    if (x.id() < s.n) is_target_any[x.id()] = 1;
  s.targets = &is_target_any;
  for (std::size_t i = s.n; i-- > 0;) {
    if (!s.needed[i] || !s.grads[i]) continue;
    auto* nd = static_cast<node<T, D>*>(t.at(i));
    if (nd->has_backward()) {
      if (nd->released) detail::throw_unreadable(*nd, who);
      for (std::uint32_t k = 0; k < nd->nparents; ++k)
        if (nd->parents[k]->released) detail::throw_unreadable(*nd->parents[k], who);
      const std::size_t mark = t.size();
      // every consumer of node i has been swept: free its value now, or (when its backward reads
      // it) right after that backward
      const bool free_now = free_values && i != y.id();
      if (free_now && !nd->backward_reads_output) sweep_state<T, D>::free_value(nd);
      backward_context<T, D> ctx(s, nd);
      nd->backward(ctx);
      if (!create_graph) s.release_closure_temporaries(mark);
      if (free_now) {
        sweep_state<T, D>::free_value(nd);
        nd->release_closure();
      }
    } else if (to_sinks) {
      auto* gn = s.grads[i];
      tensor<T, D>* dst = nd->sink ? nd->sink : &nd->leaf_grad;
      if (!dst->empty())
        ops::axpy(T(1), *gn->value, *dst);
      else if (s.temporary(gn) && gn->sweep_uses == 1 && gn->value == &gn->owned) {
        *dst = std::move(gn->owned); // sole owner: hand the buffer over instead of copying
      } else
        *dst = *gn->value;
    }
    if (!create_graph && !is_target_any[i]) {
      s.unref(s.grads[i]);
      s.grads[i] = nullptr;
    }
  }
  std::vector<var<T, D>> out;
  for (const auto& x : targets) {
    if (x.id() < s.n && s.grads[x.id()])
      out.emplace_back(s.grads[x.id()]);
    else
      out.push_back(t.constant(tensor<T, D>(x.shape(), T(0))));
  }
  return out;
}

} // namespace detail

/// ∂y/∂x for each x (y a single element). With create_graph the results are differentiable.
template <class T, class D>
std::vector<var<T, D>> grad(tape& t, var<T, D> y, std::span<const var<T, D>> xs, grad_options opt = {}) {
  return detail::sweep<T, D>(t, y, var<T, D>{}, xs, opt.create_graph, false);
}
template <class T, class D>
std::vector<var<T, D>> grad(tape& t, var<T, D> y, std::initializer_list<var<T, D>> xs,
                            grad_options opt = {}) {
  return grad(t, y, std::span<const var<T, D>>(xs.begin(), xs.size()), opt);
}
/// Vector-Jacobian product: ∂(Σ seed ⊙ y)/∂x, seed of y's shape.
template <class T, class D>
std::vector<var<T, D>> grad(tape& t, var<T, D> y, var<T, D> seed, std::initializer_list<var<T, D>> xs,
                            grad_options opt = {}) {
  return detail::sweep<T, D>(t, y, seed, std::span<const var<T, D>>(xs.begin(), xs.size()), opt.create_graph,
                             false);
}

/// loss.backward(): adds ∂y/∂leaf into each parameter's gradient tensor (tape::reference sink)
/// and each variable leaf's grad(). Records nothing. With {.retain_graph = false} the forward
/// values are freed as the sweep passes them (see backward_options).
template <class T, class D>
void backward(tape& t, var<T, D> y, backward_options opt = {}) {
  detail::sweep<T, D>(t, y, var<T, D>{}, {}, false, true, !opt.retain_graph);
}

/// Backward of a fused op whose kernel gradient is not itself differentiable, for the
/// create_graph case: `composite(inputs)` rebuilds the op's output from differentiable ops on its
/// inputs, and the vector-Jacobian product with the incoming gradient is taken through that
/// recorded rebuild (so it can be differentiated again). Accumulates into every needed input.
template <class T, class D, class F>
void composite_backward(backward_context<T, D>& c, std::size_t ninputs, F&& composite) {
  std::vector<var<T, D>> ins, targets;
  std::vector<std::size_t> which;
  for (std::size_t k = 0; k < ninputs; ++k) {
    ins.push_back(c.input(k));
    if (c.needs(k)) {
      targets.push_back(c.input(k));
      which.push_back(k);
    }
  }
  if (targets.empty()) return;
  var<T, D> y = composite(ins);
  auto gs = detail::sweep<T, D>(c.get_tape(), y, c.grad(), std::span<const var<T, D>>(targets), true, false);
  for (std::size_t j = 0; j < which.size(); ++j) c.accumulate(which[j], gs[j]);
}

} // namespace hamgen::autodiff

namespace hamgen {
using autodiff::backward;
using autodiff::grad;
} // namespace hamgen
