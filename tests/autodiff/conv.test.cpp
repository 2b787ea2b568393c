// Gradient checks (first and second order, double) of the three convolution maps, including
// causal/dilated 1-d and the transposed (conv_data) use.
#include <catch2/catch.hpp>

#include <hamgen/autodiff/conv.hpp>
#include <hamgen/autodiff/gradcheck.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;
using vd = var<double>;

namespace {
template <class F>
void check2(const char* name, F f, std::vector<tensor<double>> in) {
  INFO(name);
  auto r = ad::gradcheck(f, in);
  INFO(r.report);
  CHECK(r.ok);
  auto g2 = [&](tape& t, const std::vector<vd>& xs) {
    vd y = f(t, xs);
    generator gw(3);
    vd l = ad::sum(ad::mul(y, t.constant(normal<double>(y.shape(), gw))));
    auto gs = grad(t, l, std::span<const vd>(xs), {.create_graph = true});
    vd acc = ad::sum_squares(gs[0]);
    for (std::size_t k = 1; k < gs.size(); ++k) acc = ad::add(acc, ad::sum_squares(gs[k]));
    return acc;
  };
  auto r2 = ad::gradcheck(g2, in);
  INFO("second order: " << r2.report);
  CHECK(r2.ok);
}

/// A fused convolution + bias node `op`, fused(a, w, b), against the two-node composition it
/// replaces, plain(a, w, b), with a (the input or output gradient) of shape `in`, w of shape
/// `weight` and `channels` bias values: first- and second-order gradient checks, the result's
/// shape `out`, the composition's values and the op name, and a shape_error for a bias one value
/// short.
template <class Fused, class Plain>
void check_fused_bias(const char* op, generator& g, const shape& in, const shape& weight, const shape& out,
                      std::size_t channels, Fused fused, Plain plain) {
  auto a = normal<double>(in, g), w = normal<double>(weight, g), b = normal<double>(shape{channels}, g);
  check2(op, [&](tape&, const std::vector<vd>& v) { return fused(v[0], v[1], v[2]); }, {a, w, b});
  tape t;
  auto av = t.variable(a), wv = t.variable(w), bv = t.variable(b);
  const vd f = fused(av, wv, bv), p = plain(av, wv, bv);
  REQUIRE(f.shape() == out);
  REQUIRE(p.shape() == out);
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(f.value()[i] == Approx(p.value()[i]).epsilon(1e-14));
  CHECK(f.op() == std::string(op));
  CHECK_THROWS_AS(fused(av, wv, t.variable(normal<double>(shape{channels - 1}, g))), shape_error);
}
} // namespace

TEST_CASE("conv, conv_data and conv_weight: gradients of first and second order", "[autodiff][conv]") {
  generator g(1);
  const auto geo =
      ops::make_conv_geometry<2>(shape{2, 2, 5, 4}, 3, {3, 2}, {2, 1}, {1, 1}, {1, 1}, false, "test");
  REQUIRE(geo.y == shape{2, 3, 3, 5});
  auto x = normal<double>(geo.x, g), w = normal<double>(geo.w, g), dy = normal<double>(geo.y, g);
  check2("conv", [&](tape&, const std::vector<vd>& v) { return ad::conv(v[0], v[1], geo); }, {x, w});
  check2("conv_data", [&](tape&, const std::vector<vd>& v) { return ad::conv_data(v[0], v[1], geo); },
         {dy, w});
  check2("conv_weight", [&](tape&, const std::vector<vd>& v) { return ad::conv_weight(v[0], v[1], geo); },
         {x, dy});
  const auto g1 = ops::make_conv_geometry<1>(shape{2, 2, 7}, 2, {3}, {1}, {4}, {2}, true, "test");
  REQUIRE(g1.y == shape{2, 2, 7});
  auto x1 = normal<double>(g1.x, g), w1 = normal<double>(g1.w, g);
  check2("causal dilated conv1d",
         [&](tape&, const std::vector<vd>& v) { return ad::tanh(ad::conv(v[0], v[1], g1)); }, {x1, w1});
  const auto g3 = ops::make_conv_geometry<3>(shape{1, 1, 3, 3, 3}, 2, {2, 2, 2}, {1, 1, 1}, {0, 0, 0},
                                             {1, 1, 1}, false, "test");
  check2("conv3d", [&](tape&, const std::vector<vd>& v) { return ad::conv(v[0], v[1], g3); },
         {normal<double>(g3.x, g), normal<double>(g3.w, g)});
}

TEST_CASE("conv_bias: one node equal to conv + bias_add, gradients of first and second order",
          "[autodiff][conv]") {
  generator g(4);
  const auto geo =
      ops::make_conv_geometry<2>(shape{2, 2, 5, 4}, 3, {3, 2}, {2, 1}, {1, 1}, {1, 1}, false, "test");
  check_fused_bias(
      "conv_bias", g, geo.x, geo.w, geo.y, 3, [&](vd x, vd w, vd b) { return ad::conv_bias(x, w, b, geo); },
      [&](vd x, vd w, vd b) { return ad::bias_add(ad::conv(x, w, geo), b, 1); });
}

TEST_CASE("conv_data_bias: one node equal to conv_data + bias_add, gradients of first and second order",
          "[autodiff][conv]") {
  generator g(5);
  // a transposed convolution from 2 to 3 channels: the underlying conv maps [2, 3, 7, 6] to 2
  // channels, and the bias has one value per channel of the result (3), not of dy (2)
  const auto geo =
      ops::make_conv_geometry<2>(shape{2, 3, 7, 6}, 2, {3, 2}, {2, 1}, {1, 1}, {1, 1}, false, "test");
  check_fused_bias(
      "conv_data_bias", g, geo.y, geo.w, geo.x, 3,
      [&](vd dy, vd w, vd b) { return ad::conv_data_bias(dy, w, b, geo); },
      [&](vd dy, vd w, vd b) { return ad::bias_add(ad::conv_data(dy, w, geo), b, 1); });
}
