// hamgen/nn/module.hpp
//
// Represents: what every hamgen layer provides (design.md §5.2 "Layer concept"), the parameter
//             type, and the traversals built on them.
//               parameter<T, D>   a trainable tensor and its gradient; bind(t) makes the leaf
//                                 var that reads it in place and receives its gradient.
//               module<L>         train(bool), is_training(), visit_parameters(f, prefix) calling
//                                 f(name, parameter&), visit_state(f, prefix) calling f(name,
//                                 tensor<U>&) for every persistent tensor (parameters' values,
//                                 buffers such as running statistics, RNG counters) of any U.
//               layer<L, X>       module<L> with forward(tape&, X) -> var.
//             Names are stable and PyTorch-like: "weight", "0.bias", "3.running_mean".
// Requires:   layers are plain classes (no virtual base); composition is nn::sequential.
// Ensures:    named_parameters(m) lists (name, parameter*) in traversal order; zero_grad(m);
//             train/eval mode switches propagate through sequential.
#pragma once

#include <concepts>
#include <string>
#include <utility>
#include <vector>

#include <hamgen/autodiff/tape.hpp>
#include <hamgen/core/random.hpp>
#include <hamgen/core/tensor.hpp>

namespace hamgen::nn {

/// A trainable tensor with its gradient accumulator.
template <class T, class D = cpu_t>
struct parameter {
  tensor<T, D> value;
  tensor<T, D> grad; ///< empty, or value's shape once backward() reached it (then it adds into it)

  parameter() = default;
  explicit parameter(tensor<T, D> v) : value(std::move(v)), grad(tensor<T, D>::zeros(value.shape())) {}

  /// The leaf var for this step's graph (no copy of the value).
  var<T, D> bind(tape& t) { return t.reference(value, &grad); }
  /// Drops the gradient (PyTorch's zero_grad(set_to_none=True)): the next backward() stores its
  /// result without a memset or an extra pass; optimizers skip parameters with an empty grad.
  void zero_grad() { grad = tensor<T, D>(); }
};

namespace detail {
struct parameter_probe {
  template <class T, class D>
  void operator()(const std::string&, parameter<T, D>&) const {}
};
struct state_probe {
  template <class U, class D>
  void operator()(const std::string&, tensor<U, D>&) const {}
};
} // namespace detail

/// Anything that can sit in a network: mode switch and traversals.
template <class L>
concept module = requires(L& l, const L& cl, detail::parameter_probe pp, detail::state_probe sp,
                          const std::string& s) {
  l.train(true);
  { cl.is_training() } -> std::convertible_to<bool>;
  l.visit_parameters(pp, s);
  l.visit_state(sp, s);
};

/// A module whose forward accepts X (a var).
template <class L, class X>
concept layer = module<L> && requires(L& l, tape& t, const X& x) {
  { l.forward(t, x) } -> std::same_as<X>;
};

/// Mix-in for layers without parameters or state.
struct stateless {
  void train(bool on) noexcept { training_ = on; }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&&, const std::string&) {}
  template <class F>
  void visit_state(F&&, const std::string&) {}

protected:
  bool training_ = true;
};

template <class T, class D = cpu_t>
struct named_parameter {
  std::string name;
  parameter<T, D>* param;
};

/// (name, parameter*) of every parameter of element type T in m, in traversal order.
template <class T, class D = cpu_t, module M>
std::vector<named_parameter<T, D>> named_parameters(M& m, const std::string& prefix = "") {
  std::vector<named_parameter<T, D>> r;
  m.visit_parameters(
      [&](const std::string& n, auto& p) {
        if constexpr (std::same_as<std::decay_t<decltype(p)>, parameter<T, D>>) r.push_back({n, &p});
      },
      prefix);
  return r;
}

/// Drops every parameter gradient of m (set to empty; an empty gradient counts as zero).
template <module M>
void zero_grad(M& m) {
  m.visit_parameters([](const std::string&, auto& p) { p.zero_grad(); }, "");
}

/// Number of trainable scalars in m.
template <module M>
std::size_t parameter_count(M& m) {
  std::size_t n = 0;
  m.visit_parameters([&](const std::string&, auto& p) { n += p.value.size(); }, "");
  return n;
}

/// The generator layers use for initialisation when none is passed (PyTorch's default generator);
/// reseed with manual_seed for reproducible construction.
inline generator& default_generator() {
  static generator g(0);
  return g;
}
inline void manual_seed(std::uint64_t s) { default_generator().seed(s); }

} // namespace hamgen::nn
