// hamgen/nn/dropout.hpp
//
// Represents: nn::dropout (Srivastava et al. 2014, inverted scaling as in PyTorch): in train mode
//             each element is zeroed with probability p and the rest scaled by 1/(1-p); in eval
//             mode it is the identity.
// Requires:   0 <= p < 1.
// Ensures:    masks are reproducible: call k draws from generator(seed, k); seed and call counter
//             are the state "rng_state" (U64 [seed, k]), so a resumed run draws the same masks.
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
  explicit dropout(dropout_options o) : opt_(o), rng_(tensor<std::uint64_t>::from(shape{2}, {o.seed, 0})) {
    HAMGEN_CHECK(o.p >= 0 && o.p < 1, "dropout: p must be in [0, 1), got ", o.p);
  }

  template <class T, class D>
  var<T, D> forward(tape&, const var<T, D>& x) {
    if (!training_ || opt_.p == 0) return x;
    generator g(rng_[0] ^ (0x9e3779b97f4a7c15ULL * ++rng_[1]));
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
    f(prefix + "rng_state", rng_);
  }

private:
  dropout_options opt_;
  tensor<std::uint64_t> rng_; ///< {seed, number of masks drawn}
  bool training_ = true;
};

} // namespace hamgen::nn
