// hamgen/nn/dropout.hpp
//
// Represents: nn::dropout (Srivastava et al. 2014, inverted scaling as in PyTorch): in train mode
//             each element is zeroed with probability p and the rest scaled by 1/(1-p); in eval
//             mode it is the identity.
// Requires:   0 <= p < 1.
// Ensures:    masks are reproducible: call k draws from generator(seed, k), and the call counter
//             is part of visit_state ("calls"), so a resumed run draws the same masks.
#pragma once

#include <cstdint>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::nn {

struct dropout_options {
  double p = 0.5;
  std::uint64_t seed = 0;
};

class dropout {
public:
  dropout() : dropout(dropout_options{}) {}
  explicit dropout(dropout_options o) : opt_(o), calls_(shape{1}, 0) {
    HAMGEN_CHECK(o.p >= 0 && o.p < 1, "dropout: p must be in [0, 1), got ", o.p);
  }

  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) {
    if (!training_ || opt_.p == 0) return x;
    generator g(opt_.seed ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(++calls_[0])));
    tensor<T, D> mask(x.shape());
    const T keep = static_cast<T>(1.0 / (1.0 - opt_.p));
    for (auto& m : mask) m = g.uniform() < opt_.p ? T(0) : keep;
    return autodiff::mul_const(x, mask);
  }

  void train(bool on) noexcept { training_ = on; }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&&, const std::string&) {}
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    f(prefix + "calls", calls_);
  }

private:
  dropout_options opt_;
  tensor<std::int64_t> calls_;
  bool training_ = true;
};

} // namespace hamgen::nn
