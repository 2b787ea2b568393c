#include <catch2/catch.hpp>

#include <hamgen/optim/sgd.hpp>

using namespace hamgen;

namespace {
struct one_param {
  nn::parameter<double> p{tensor<double>::from({1}, {1.0})};
  void train(bool) {}
  bool is_training() const { return true; }
  template <class F>
  void visit_parameters(F&& f, const std::string& s) {
    f(s + "p", p);
  }
  template <class F>
  void visit_state(F&& f, const std::string& s) {
    f(s + "p", p.value);
  }
};
} // namespace

TEST_CASE("sgd with momentum, dampening, nesterov and weight decay follows the reference", "[optim]") {
  for (bool nesterov : {false, true}) {
    one_param m;
    optim::sgd_options o{
        .lr = 0.1, .momentum = 0.9, .dampening = 0, .weight_decay = 0.01, .nesterov = nesterov};
    optim::sgd<double> opt(nn::named_parameters<double>(m), o);
    double th = 1.0, buf = 0;
    for (int t = 1; t <= 4; ++t) {
      const double grad = 3 * th - 1;
      m.p.grad = tensor<double>::from({1}, {grad});
      opt.step();
      double g = grad + o.weight_decay * th;
      buf = t == 1 ? g : o.momentum * buf + g;
      g = nesterov ? g + o.momentum * buf : buf;
      th -= o.lr * g;
      CHECK(m.p.value[0] == Approx(th).epsilon(1e-14));
    }
  }
  one_param m;
  CHECK_THROWS_AS(optim::sgd<double>(nn::named_parameters<double>(m), {.nesterov = true}), value_error);
}
