#include <catch2/catch.hpp>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/nn/module.hpp>

using namespace hamgen;

struct two_params {
  nn::parameter<double> a{tensor<double>({2}, 1.0)}, b{tensor<double>({3}, 2.0)};
  void train(bool) {}
  bool is_training() const { return true; }
  template <class F>
  void visit_parameters(F&& f, const std::string& p) {
    f(p + "a", a);
    f(p + "b", b);
  }
  template <class F>
  void visit_state(F&& f, const std::string& p) {
    f(p + "a", a.value);
    f(p + "b", b.value);
  }
};
static_assert(nn::module<two_params>);

TEST_CASE("parameters: binding, gradient sinks, traversal helpers", "[nn]") {
  two_params m;
  auto ps = nn::named_parameters<double>(m, "m.");
  REQUIRE(ps.size() == 2);
  CHECK(ps[1].name == "m.b");
  CHECK(nn::parameter_count(m) == 5);
  tape t;
  auto a = m.a.bind(t);
  backward(t, autodiff::sum(autodiff::square(a)));
  CHECK(m.a.grad[0] == 2.0);
  backward(t, autodiff::sum(autodiff::square(a))); // accumulates like PyTorch
  CHECK(m.a.grad[1] == 4.0);
  nn::zero_grad(m);
  CHECK(m.a.grad.empty()); // set to none: the next backward stores instead of adding
  backward(t, autodiff::sum(autodiff::square(a)));
  CHECK(m.a.grad[0] == 2.0);
  nn::manual_seed(3);
  const auto u1 = nn::default_generator()();
  nn::manual_seed(3);
  CHECK(nn::default_generator()() == u1);
}
