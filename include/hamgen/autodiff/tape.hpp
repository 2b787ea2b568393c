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
//             hamgen::value_error naming the first op that produced NaN or Inf. record_inplace
//             (relu_inplace, ...) overwrites a fresh op result only when no result changes (not a
//             leaf, not yet read, its op's backward does not read its output: record_options);
//             reading a value that was overwritten in place or freed by
//             backward(t, y, {.retain_graph = false}) raises value_error naming the node.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory_resource>
#include <optional>
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
  bool leaf = false;                         ///< made by tape::constant / variable / reference
  bool backward_reads_output = true;         ///< the op's backward reads its own output (record_options)
  bool released = false;                     ///< value freed by backward(..., {.retain_graph = false})
  const node_base* overwritten_by = nullptr; ///< the in-place op that took over this value
  const void* type_key = nullptr;
  std::uint32_t sweep_uses = 0; ///< scratch for the reverse sweep (gradient reference count)
  std::uint32_t consumers = 0;  ///< ops recorded with this node as an input
  virtual ~node_base() = default;
};

namespace detail {
/// Throws the error for reading a node whose value is gone (freed by a retain_graph = false
/// sweep, or overwritten by an in-place op).
[[noreturn]] inline void throw_unreadable(const node_base& n, const char* where) {
  if (n.overwritten_by)
    throw value_error(hamgen::detail::concat(
        where, ": node #", n.id, " (op '", n.op, "') was overwritten in place by op '", n.overwritten_by->op,
        "' (node #", n.overwritten_by->id, "); use that op's result instead"));
  throw value_error(hamgen::detail::concat(
      where, ": the value of node #", n.id, " (op '", n.op,
      "') was freed by backward(t, y, {.retain_graph = false}); keep the graph (.retain_graph = true, the "
      "default) to read intermediate values or to differentiate it again"));
}
} // namespace detail

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
  /// Destroys the backward closure and what it captured (saved statistics, RNN gate buffers);
  /// called by a retain_graph = false sweep once the closure has run.
  virtual void release_closure() noexcept {}
};

template <class T, class D, class F>
struct op_node final : node<T, D> {
  explicit op_node(F&& f) : fn(std::move(f)) {}
  std::optional<F> fn;
  bool has_backward() const noexcept override { return true; }
  void backward(backward_context<T, D>& ctx) override {
    if (!fn) detail::throw_unreadable(*this, "autodiff::backward");
    (*fn)(ctx);
  }
  void release_closure() noexcept override { fn.reset(); }
};

/// The tape: arena + ordered node list + recording flags.
class tape {
public:
  tape() : arena_(std::size_t(1) << 13) {} // grows geometrically; small graphs stay small
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
  /// The node's value; value_error when it was freed (backward with .retain_graph = false) or
  /// overwritten by an in-place op.
  const tensor<T, D>& value() const {
    if (n_->released || n_->overwritten_by) [[unlikely]]
      detail::throw_unreadable(*n_, "var::value");
    return *n_->value;
  }
  const hamgen::shape& shape() const { return value().shape(); }
  std::size_t size() const { return value().size(); }
  /// The single element of a one-element var.
  T item() const {
    HAMGEN_CHECK_SHAPE(size() == 1, "var::item: var has shape ", shape(), ", not one element");
    return value()[0];
  }
  /// Whether value() can be read (false once freed by a retain_graph = false sweep or
  /// overwritten in place).
  bool readable() const noexcept { return !n_->released && !n_->overwritten_by; }
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
  n->leaf = true;
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
  n->leaf = true;
  if (anomaly_) detail::check_finite_value(n->op, n->id, value);
  return var<T, D>(n);
}

/// What an op declares about itself when it is recorded.
struct record_options {
  /// The op's backward closure reads its own output (c.output()), in the recording sweep as well
  /// as under create_graph. Ops that do not (conv, bias_add, batch_norm, ...) declare false, which
  /// lets an in-place op (record_inplace) overwrite their result.
  bool backward_reads_output = true;
};

/// The declaration of an op whose backward reads only its inputs and its output gradient.
inline constexpr record_options output_unread{.backward_reads_output = false};

/// Records the result of an op. `value` is its output; `inputs` its differentiable operands;
/// `bw(ctx)` its backward closure (see backward_context). When recording is off or no input
/// requires a gradient the result is a constant and `bw` is dropped. An input whose value was
/// freed or overwritten in place raises value_error naming `op` and the input.
template <class T, class D, class F>
var<T, D> record(tape& t, const char* op, tensor<T, D>&& value, std::span<const var<T, D>> inputs, F&& bw,
                 record_options opt = {}) {
  bool req = false;
  for (const auto& v : inputs) {
    node<T, D>* in = v.get_node();
    if (in->released || in->overwritten_by) [[unlikely]]
      detail::throw_unreadable(*in, op);
    ++in->consumers;
    req = req || in->requires_grad;
  }
  req = req && t.grad_enabled();
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
  n->backward_reads_output = opt.backward_reads_output;
  n->owned = std::move(value);
  n->value = &n->owned;
  if (t.anomaly()) detail::check_finite_value(op, n->id, n->owned);
  return var<T, D>(n);
}
template <class T, class D, class F>
var<T, D> record(tape& t, const char* op, tensor<T, D>&& value, std::initializer_list<var<T, D>> inputs,
                 F&& bw, record_options opt = {}) {
  return record(t, op, std::move(value), std::span<const var<T, D>>(inputs.begin(), inputs.size()),
                std::forward<F>(bw), opt);
}

/// Records an in-place op y = f(x) (PyTorch's relu_(): no new buffer): `apply(v)` overwrites
/// x's value v with y, which becomes the new node's value; `bw` is its backward as in record.
/// x's var stays a valid graph input for the sweep but its value can no longer be read
/// (var::value and any further op on x raise value_error naming the in-place op).
/// Allowed only when overwriting x changes no result: x is an op result (not a leaf: constant,
/// variable or parameter), nothing has read it yet (no op recorded with x as input), and x's op
/// declared backward_reads_output = false (or x has no backward: recorded without gradients).
/// Anything else raises value_error naming the op and the reason; x is then left untouched.
template <class T, class D, class A, class F>
var<T, D> record_inplace(const char* op, var<T, D> x, A&& apply, F&& bw, record_options opt = {}) {
  HAMGEN_CHECK(x.valid(), op, ": x is an empty var");
  node<T, D>* in = x.get_node();
  if (in->released || in->overwritten_by) detail::throw_unreadable(*in, op);
  if (in->leaf || in->value != &in->owned)
    throw value_error(hamgen::detail::concat(op, ": node #", in->id, " is a leaf ('", in->op,
                                             "'); an in-place op may only overwrite an op's result"));
  if (in->consumers > 0)
    throw value_error(hamgen::detail::concat(op, ": node #", in->id, " (op '", in->op,
                                             "') has already been read by ", in->consumers,
                                             " recorded op(s); an in-place op may only overwrite a value "
                                             "nothing has read yet"));
  if (in->has_backward() && in->backward_reads_output)
    throw value_error(hamgen::detail::concat(op, ": the backward of op '", in->op, "' (node #", in->id,
                                             ") reads its output, which this in-place op would overwrite; "
                                             "use the out-of-place op"));
  tape& t = x.get_tape();
  tensor<T, D> v = std::move(in->owned);
  try {
    apply(v);
    var<T, D> y = record(t, op, std::move(v), {x}, std::forward<F>(bw), opt);
    in->value = y.get_node()->value; // the sweep still sees x's shape
    in->overwritten_by = y.get_node();
    return y;
  } catch (...) {
    if (!v.empty()) in->owned = std::move(v);
    throw;
  }
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
