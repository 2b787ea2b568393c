// hamgen/nn/sequential.hpp
//
// Represents: nn::sequential<L...>, a compile-time heterogeneous chain (one static type, no
//             virtual calls; CTAD: `nn::sequential net{nn::linear<>{{...}}, nn::tanh{}, ...}`),
//             and free composition: compose(a, b, ...) and `a | b` build sequentials, flattening
//             nested ones.
// Requires:   every element models hamgen::nn::module (checked per element: the static_assert
//             "element does not model hamgen::nn::module" fires inside check_element<I, L>, which
//             names the index and type), and element I accepts the output of element I-1
//             (checked per element in forward: "element does not model hamgen::nn::layer for
//             this input").
// Ensures:    forward applies the elements in order; parameter/state names are "<index>.<name>"
//             (PyTorch's nn.Sequential names); train(bool) reaches every element.
#pragma once

#include <string>
#include <tuple>
#include <utility>

#include <hamgen/nn/module.hpp>

namespace hamgen::nn {

namespace detail {
template <std::size_t I, class L>
struct check_element {
  static_assert(module<L>,
                "hamgen::nn::sequential: element does not model hamgen::nn::module "
                "(needs train(bool), is_training(), visit_parameters(f, prefix), visit_state(f, prefix))");
  static constexpr bool value = true;
};
template <std::size_t I, class L, class X>
struct check_layer {
  static_assert(layer<L, X>,
                "hamgen::nn::sequential: element does not model hamgen::nn::layer for this input "
                "(needs forward(tape&, x) returning a var of the same type)");
  static constexpr bool value = true;
};
} // namespace detail

template <class... L>
class sequential {
  template <std::size_t... I>
  static constexpr bool check_all(std::index_sequence<I...>) {
    return (detail::check_element<I, L>::value && ...);
  }
  static_assert(check_all(std::index_sequence_for<L...>{}));

public:
  sequential() = default;
  explicit sequential(L... layers) : layers_(std::move(layers)...) {}

  template <class X>
  X forward(tape& t, const X& x) {
    return forward_from<0>(t, x);
  }

  void train(bool on) {
    std::apply([on](auto&... l) { (l.train(on), ...); }, layers_);
    training_ = on;
  }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    visit_impl(
        std::index_sequence_for<L...>{}, [&](auto& l, const std::string& p) { l.visit_parameters(f, p); },
        prefix);
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    visit_impl(
        std::index_sequence_for<L...>{}, [&](auto& l, const std::string& p) { l.visit_state(f, p); }, prefix);
  }

  static constexpr std::size_t size() noexcept { return sizeof...(L); }
  template <std::size_t I>
  auto& get() noexcept {
    return std::get<I>(layers_);
  }
  std::tuple<L...>& layers() noexcept { return layers_; }

private:
  template <std::size_t I, class X>
  X forward_from(tape& t, const X& x) {
    if constexpr (I == sizeof...(L))
      return x;
    else {
      using E = std::tuple_element_t<I, std::tuple<L...>>;
      static_assert(detail::check_layer<I, E, X>::value);
      return forward_from<I + 1>(t, std::get<I>(layers_).forward(t, x));
    }
  }
  template <std::size_t... I, class G>
  void visit_impl(std::index_sequence<I...>, G&& g, const std::string& prefix) {
    (g(std::get<I>(layers_), prefix + std::to_string(I) + "."), ...);
  }

  std::tuple<L...> layers_;
  bool training_ = true;
};

template <class... L>
sequential(L...) -> sequential<L...>;

namespace detail {
template <class L>
auto as_tuple(L&& l) {
  if constexpr (requires { std::forward<L>(l).layers(); })
    return std::tuple_cat(std::move(l.layers()));
  else
    return std::tuple<std::decay_t<L>>(std::forward<L>(l));
}
} // namespace detail

/// Free composition: a sequential of the arguments (nested sequentials are flattened).
template <module... L>
auto compose(L... l) {
  return std::apply([](auto&&... e) { return sequential<std::decay_t<decltype(e)>...>(std::move(e)...); },
                    std::tuple_cat(detail::as_tuple(std::move(l))...));
}
template <module A, module B>
auto operator|(A a, B b) {
  return compose(std::move(a), std::move(b));
}

} // namespace hamgen::nn
