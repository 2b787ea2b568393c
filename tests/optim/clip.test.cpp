#include <catch2/catch.hpp>

#include <hamgen/optim/clip.hpp>

using namespace hamgen;

struct two {
  nn::parameter<double> a{tensor<double>({2}, 0.0)}, b{tensor<double>({1}, 0.0)};
  void train(bool) {}
  bool is_training() const { return true; }
  template <class F>
  void visit_parameters(F&& f, const std::string& s) {
    f(s + "a", a);
    f(s + "b", b);
  }
  template <class F>
  void visit_state(F&&, const std::string&) {}
};

TEST_CASE("clip_grad_norm scales the global norm", "[optim]") {
  two m;
  m.a.grad = tensor<double>::from({2}, {3.0, 0.0});
  m.b.grad = tensor<double>::from({1}, {4.0});
  auto ps = nn::named_parameters<double>(m);
  CHECK(optim::clip_grad_norm(ps, 10.0) == Approx(5.0));
  CHECK(m.a.grad[0] == 3.0);
  CHECK(optim::clip_grad_norm(ps, 1.0) == Approx(5.0));
  CHECK(m.a.grad[0] == Approx(3.0 / (5.0 + 1e-6)));
  CHECK(m.b.grad[0] == Approx(4.0 / (5.0 + 1e-6)));
}
