#include <catch2/catch.hpp>

#include "layer_check.hpp"
#include <hamgen/nn/batch_norm.hpp>

using namespace hamgen;

namespace {
// straightforward reference: per-channel statistics over every axis but 1
void reference_bn(const tensor<double>& x, const tensor<double>& gamma, const tensor<double>& beta,
                  double eps, tensor<double>& y, std::vector<double>& mean, std::vector<double>& var) {
  const std::size_t n = x.dim(0), c = x.dim(1), inner = x.size() / (n * c);
  y = tensor<double>(x.shape());
  mean.assign(c, 0);
  var.assign(c, 0);
  for (std::size_t ch = 0; ch < c; ++ch) {
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t i = 0; i < inner; ++i) mean[ch] += x[(b * c + ch) * inner + i];
    mean[ch] /= double(n * inner);
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t i = 0; i < inner; ++i) var[ch] += std::pow(x[(b * c + ch) * inner + i] - mean[ch], 2);
    var[ch] /= double(n * inner);
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t i = 0; i < inner; ++i) {
        const std::size_t k = (b * c + ch) * inner + i;
        y[k] = gamma[ch] * (x[k] - mean[ch]) / std::sqrt(var[ch] + eps) + beta[ch];
      }
  }
}
template <class BN>
void check_bn(BN& bn, const tensor<double>& x) {
  generator g(11);
  fill_uniform(bn.weight.value, g, 0.5, 1.5);
  fill_uniform(bn.bias.value, g, -0.5, 0.5);
  tensor<double> yref;
  std::vector<double> mean, var;
  reference_bn(x, bn.weight.value, bn.bias.value, 1e-5, yref, mean, var);
  const std::size_t count = x.size() / x.dim(1);
  {
    tape t;
    auto y = bn.forward(t, t.constant(x));
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y.value()[i] == Approx(yref[i]).epsilon(1e-12));
  }
  for (std::size_t c = 0; c < x.dim(1); ++c) {
    CHECK(bn.running_mean[c] == Approx(0.1 * mean[c]).epsilon(1e-12));
    CHECK(bn.running_var[c] == Approx(0.9 + 0.1 * var[c] * double(count) / double(count - 1)).epsilon(1e-12));
  }
  CHECK(bn.num_batches_tracked[0] == 1);
  // eval mode uses the running statistics
  bn.train(false);
  {
    tape t;
    auto y = bn.forward(t, t.constant(x));
    const std::size_t inner = x.size() / (x.dim(0) * x.dim(1));
    const std::size_t k = inner + 1 < x.size() ? inner + 1 : 0, ch = (k / inner) % x.dim(1);
    const double ref =
        bn.weight.value[ch] * (x[k] - bn.running_mean[ch]) / std::sqrt(bn.running_var[ch] + 1e-5) +
        bn.bias.value[ch];
    CHECK(y.value()[k] == Approx(ref).epsilon(1e-12));
  }
  for (bool train : {true, false}) {
    bn.train(train);
    for (bool second : {false, true}) {
      auto r = test::check_layer(bn, x, second);
      INFO("train " << train << " second order " << second << "\n" << r.report);
      CHECK(r.ok);
    }
  }
}
} // namespace

TEST_CASE("batch_norm1d/2d/3d match a reference; gradients in train and eval mode", "[nn]") {
  generator g(12);
  nn::batch_norm1d<double> b1({.features = 3});
  check_bn(b1, normal<double>({6, 3}, g, 1.0, 2.0));
  nn::batch_norm1d<double> b1l({.features = 2});
  check_bn(b1l, normal<double>({3, 2, 4}, g));
  nn::batch_norm2d<double> b2({.features = 2});
  check_bn(b2, normal<double>({2, 2, 3, 3}, g));
  nn::batch_norm3d<double> b3({.features = 2});
  check_bn(b3, normal<double>({2, 2, 2, 2, 2}, g));
  tape t;
  CHECK_THROWS_WITH(b2.forward(t, t.constant(normal<double>({2, 3, 3, 3}, g))),
                    Catch::Contains("batch_norm2d") && Catch::Contains("[2, 3, 3, 3]"));
}
