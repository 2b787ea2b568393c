#include <catch2/catch.hpp>

#include <hamgen/optim/adam.hpp>

using namespace hamgen;

namespace {
struct one_param {
  nn::parameter<double> p{tensor<double>::from({2}, {1.0, -2.0})};
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

TEST_CASE("adam and adamw follow the reference update", "[optim]") {
  for (bool decoupled : {false, true}) {
    one_param m;
    optim::adam_options o{.lr = 0.1,
                          .beta1 = 0.8,
                          .beta2 = 0.9,
                          .eps = 1e-6,
                          .weight_decay = 0.05,
                          .decoupled_weight_decay = decoupled};
    optim::adam<double> opt(nn::named_parameters<double>(m), o);
    // scalar reference implementation
    double th = 1.0, mm = 0, vv = 0;
    for (int t = 1; t <= 3; ++t) {
      const double grad = 2 * th + 0.5 * t;
      m.p.grad = tensor<double>::from({2}, {grad, 0.0});
      opt.step();
      double g = grad;
      if (decoupled)
        th *= 1 - o.lr * o.weight_decay;
      else
        g += o.weight_decay * th;
      mm = o.beta1 * mm + (1 - o.beta1) * g;
      vv = o.beta2 * vv + (1 - o.beta2) * g * g;
      const double bc1 = 1 - std::pow(o.beta1, t), bc2 = 1 - std::pow(o.beta2, t);
      th -= o.lr / bc1 * mm / (std::sqrt(vv) / std::sqrt(bc2) + o.eps);
      CHECK(m.p.value[0] == Approx(th).epsilon(1e-14));
    }
    CHECK(opt.steps() == 3);
    opt.zero_grad();
    CHECK(m.p.grad.empty());
    const double before = m.p.value[0];
    opt.step(); // no gradient: the parameter is skipped
    CHECK(m.p.value[0] == before);
  }
  one_param m;
  auto w = optim::adamw<double>(nn::named_parameters<double>(m));
  CHECK(w.options().decoupled_weight_decay);
  CHECK(w.options().weight_decay == 0.01);
}
