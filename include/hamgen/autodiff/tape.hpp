// hamgen/autodiff/tape.hpp
//
// Represents: the reverse-mode tape (design.md §2.4 / §5.2, Stan Math's reverse_pass_callback
//             shape, passed explicitly instead of a global): one node per tensor op, nodes and
//             their backward closures placed in a monotonic arena owned by the tape, and
//             var<T, Device>, a cheap handle (one pointer) to a node's value.
//             A node's backward closure receives the output gradient as a *var* and returns the
//             input gradients as vars built from differentiable ops; run with recording on, the
//             backward pass is itself taped (create_graph), so gradients of gradients work.
// Requires:   vars are used only with the tape that made them and not after tape::clear().
//             Parameter leaves reference external tensors, which must outlive the tape's use.
// Ensures:    node ids increase in creation order (a topological order); grad_enabled() false
//             (no_grad_guard) records nothing and makes every result a constant; anomaly mode
//             (anomaly_guard) checks every op's output (and every backward gradient) and throws
//             hamgen::value_error naming the first op that produced NaN or Inf.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory_resource>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <hamgen/core/error.hpp>
#include <hamgen/core/tensor.hpp>

namespace hamgen::autodiff {

class tape;
template <class T, class D>
struct node;
template <class T, class D>
class var;
template <class T, class D>
class backward_context;

/// Type-independent part of a node: bookkeeping the tape needs to order and destroy nodes.
struct node_base {
  tape* owner = nullptr;
  std::size_t id = 0;
  const char* op = "leaf";
  bool requires_grad = false;
  const void* type_key = nullptr;
  std::uint32_t sweep_uses = 0; ///< scratch for the reverse sweep (gradient reference count)
  virtual ~node_base() = default;
};

namespace detail {
template <class T, class D>
inline const void* type_key() {
  static const char key = 0;
  return &key;
}
} // namespace detail

/// A node holding a value of element type T on device D.
template <class T, class D>
struct node : node_base {
  tensor<T, D> owned;                  ///< the value when the node owns it
  const tensor<T, D>* value = nullptr; ///< &owned, or an external tensor (parameters)
  tensor<T, D>* sink = nullptr;        ///< backward() adds this leaf's gradient here (parameters)
  tensor<T, D> leaf_grad;              ///< backward() adds a sink-less leaf's gradient here
  node** parents = nullptr;
  std::uint32_t nparents = 0;
  virtual bool has_backward() const noexcept { return false; }
  virtual void backward(backward_context<T, D>&) {}
};

template <class T, class D, class F>
struct op_node final : node<T, D> {
  explicit op_node(F&& f) : fn(std::move(f)) {}
  F fn;
  bool has_backward() const noexcept override { return true; }
  void backward(backward_context<T, D>& ctx) override { fn(ctx); }
};

/// The tape: arena + ordered node list + recording flags.
class tape {
public:
  tape() : arena_(std::size_t(1) << 16) {}
  tape(const tape&) = delete;
  tape& operator=(const tape&) = delete;
  ~tape() { clear(); }

  /// Destroys every node (their tensors are freed) and releases the arena; all vars dangle.
  void clear() {
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) (*it)->~node_base();
    nodes_.clear();
    arena_.release();
  }
  std::size_t size() const noexcept { return nodes_.size(); }
  node_base* at(std::size_t i) const noexcept { return nodes_[i]; }

  bool grad_enabled() const noexcept { return grad_enabled_; }
  void set_grad_enabled(bool on) noexcept { grad_enabled_ = on; }
  bool anomaly() const noexcept { return anomaly_; }
  void set_anomaly(bool on) noexcept { anomaly_ = on; }

  /// Places a node in the arena and appends it; returns it with id and owner set.
  template <class N, class... A>
  N* emplace(A&&... args) {
    void* p = arena_.allocate(sizeof(N), alignof(N));
    N* n = ::new (p) N(std::forward<A>(args)...);
    n->owner = this;
    n->id = nodes_.size();
    try {
      nodes_.push_back(n);
    } catch (...) {
      n->~N();
      throw;
    }
    return n;
  }
  /// Uninitialised array of n trivially destructible objects in the arena.
  template <class U>
  U* allocate_array(std::size_t n) {
    static_assert(std::is_trivially_destructible_v<U>);
    return static_cast<U*>(arena_.allocate(n * sizeof(U), alignof(U)));
  }

  // --- leaves ----------------------------------------------------------------------------------
  /// A leaf that does not require a gradient.
  template <class T, class D>
  var<T, D> constant(tensor<T, D> value);
  /// A leaf that requires a gradient (an input of grad(), or x in ∇ₓ).
  template <class T, class D>
  var<T, D> variable(tensor<T, D> value);
  /// A gradient-requiring leaf that reads `value` in place and whose gradient backward() adds
  /// to `*grad_sink` (a parameter). No copy is made.
  template <class T, class D>
  var<T, D> reference(const tensor<T, D>& value, tensor<T, D>* grad_sink);

private:
  std::pmr::monotonic_buffer_resource arena_;
  std::vector<node_base*> nodes_;
  bool grad_enabled_ = true;
  bool anomaly_ = false;
};

/// Handle to a node's value (one pointer; copy freely).
template <class T, class D = cpu_t>
class var {
public:
  using value_type = T;
  using device_type = D;
  var() = default;
  explicit var(node<T, D>* n) noexcept : n_(n) {}

  bool valid() const noexcept { return n_ != nullptr; }
  const tensor<T, D>& value() const noexcept { return *n_->value; }
  const hamgen::shape& shape() const noexcept { return n_->value->shape(); }
  std::size_t size() const noexcept { return n_->value->size(); }
  /// The single element of a one-element var.
  T item() const {
    HAMGEN_CHECK_SHAPE(size() == 1, "var::item: var has shape ", shape(), ", not one element");
    return (*n_->value)[0];
  }
  bool requires_grad() const noexcept { return n_->requires_grad; }
  std::size_t id() const noexcept { return n_->id; }
  const char* op() const noexcept { return n_->op; }
  tape& get_tape() const noexcept { return *n_->owner; }
  node<T, D>* get_node() const noexcept { return n_; }
  /// Gradient accumulated by backward() into a leaf created with tape::variable (empty otherwise).
  const tensor<T, D>& grad() const noexcept { return n_->leaf_grad; }

private:
  node<T, D>* n_ = nullptr;
};

namespace detail {
template <class T, class D>
void check_finite_value(const char* op, std::size_t id, const tensor<T, D>& v) {
  if constexpr (std::same_as<D, cpu_t>) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(static_cast<double>(v[i])))
        throw value_error(hamgen::detail::concat("autodiff anomaly: op '", op, "' (node #", id, ") produced ",
                                                 std::isnan(static_cast<double>(v[i])) ? "NaN" : "Inf",
                                                 " at element ", i, " of its output of shape ", v.shape()));
  }
}
template <class T, class D>
var<T, D> make_leaf(tape& t, tensor<T, D>&& value, const char* op, bool requires_grad) {
  auto* n = t.template emplace<node<T, D>>();
  n->type_key = detail::type_key<T, D>();
  n->owned = std::move(value);
  n->value = &n->owned;
  n->op = op;
  n->requires_grad = requires_grad;
  if (t.anomaly()) detail::check_finite_value(n->op, n->id, n->owned);
  return var<T, D>(n);
}
} // namespace detail

template <class T, class D>
var<T, D> tape::constant(tensor<T, D> value) {
  return detail::make_leaf(*this, std::move(value), "constant", false);
}
template <class T, class D>
var<T, D> tape::variable(tensor<T, D> value) {
  return detail::make_leaf(*this, std::move(value), "variable", true);
}
template <class T, class D>
var<T, D> tape::reference(const tensor<T, D>& value, tensor<T, D>* grad_sink) {
  auto* n = emplace<node<T, D>>();
  n->type_key = detail::type_key<T, D>();
  n->value = &value;
  n->sink = grad_sink;
  n->op = "parameter";
  n->requires_grad = true;
  if (anomaly_) detail::check_finite_value(n->op, n->id, value);
  return var<T, D>(n);
}

/// Records the result of an op. `value` is its output; `inputs` its differentiable operands;
/// `bw(ctx)` its backward closure (see backward_context). When recording is off or no input
/// requires a gradient the result is a constant and `bw` is dropped.
template <class T, class D, class F>
var<T, D> record(tape& t, const char* op, tensor<T, D>&& value, std::span<const var<T, D>> inputs, F&& bw) {
  bool req = false;
  if (t.grad_enabled())
    for (const auto& v : inputs) req = req || v.requires_grad();
  node<T, D>* n = nullptr;
  if (req) {
    auto* on = t.template emplace<op_node<T, D, std::decay_t<F>>>(std::forward<F>(bw));
    on->parents = t.template allocate_array<node<T, D>*>(inputs.size());
    on->nparents = static_cast<std::uint32_t>(inputs.size());
    for (std::size_t k = 0; k < inputs.size(); ++k) on->parents[k] = inputs[k].get_node();
    on->requires_grad = true;
    n = on;
  } else {
    n = t.template emplace<node<T, D>>();
  }
  n->type_key = detail::type_key<T, D>();
  n->op = op;
  n->owned = std::move(value);
  n->value = &n->owned;
  if (t.anomaly()) detail::check_finite_value(op, n->id, n->owned);
  return var<T, D>(n);
}
template <class T, class D, class F>
var<T, D> record(tape& t, const char* op, tensor<T, D>&& value, std::initializer_list<var<T, D>> inputs,
                 F&& bw) {
  return record(t, op, std::move(value), std::span<const var<T, D>>(inputs.begin(), inputs.size()),
                std::forward<F>(bw));
}

/// RAII: switches recording off (PyTorch's torch.no_grad) for the guard's lifetime.
class no_grad_guard {
public:
  explicit no_grad_guard(tape& t, bool enabled = false) : t_(t), prev_(t.grad_enabled()) {
    t.set_grad_enabled(enabled);
  }
  ~no_grad_guard() { t_.set_grad_enabled(prev_); }
  no_grad_guard(const no_grad_guard&) = delete;
  no_grad_guard& operator=(const no_grad_guard&) = delete;

private:
  tape& t_;
  bool prev_;
};

/// RAII: anomaly detection on (every op output and backward gradient checked for NaN/Inf).
class anomaly_guard {
public:
  explicit anomaly_guard(tape& t, bool on = true) : t_(t), prev_(t.anomaly()) { t.set_anomaly(on); }
  ~anomaly_guard() { t_.set_anomaly(prev_); }
  anomaly_guard(const anomaly_guard&) = delete;
  anomaly_guard& operator=(const anomaly_guard&) = delete;

private:
  tape& t_;
  bool prev_;
};

} // namespace hamgen::autodiff

namespace hamgen {
using autodiff::tape;
using autodiff::var;
} // namespace hamgen
