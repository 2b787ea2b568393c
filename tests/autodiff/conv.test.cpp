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

/// A fused node (`op`) has the values of the two-node composition it replaces.
void require_fused_equals(const vd& fused, const vd& plain, const char* op) {
  REQUIRE(fused.shape() == plain.shape());
  for (std::size_t i = 0; i < fused.size(); ++i)
    CHECK(fused.value()[i] == Approx(plain.value()[i]).epsilon(1e-14));
  CHECK(fused.op() == std::string(op));
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
  auto x = normal<double>(geo.x, g), w = normal<double>(geo.w, g), b = normal<double>(shape{3}, g);
  check2("conv_bias", [&](tape&, const std::vector<vd>& v) { return ad::conv_bias(v[0], v[1], v[2], geo); },
         {x, w, b});
  tape t;
  auto xv = t.variable(x), wv = t.variable(w), bv = t.variable(b);
  require_fused_equals(ad::conv_bias(xv, wv, bv, geo), ad::bias_add(ad::conv(xv, wv, geo), bv, 1),
                       "conv_bias");
  CHECK_THROWS_AS(ad::conv_bias(xv, wv, t.variable(normal<double>(shape{2}, g)), geo), shape_error);
}

TEST_CASE("conv_data_bias: one node equal to conv_data + bias_add, gradients of first and second order",
          "[autodiff][conv]") {
  generator g(5);
  // a transposed convolution from 2 to 3 channels: the underlying conv maps [2, 3, 7, 6] to 2 channels
  const auto geo =
      ops::make_conv_geometry<2>(shape{2, 3, 7, 6}, 2, {3, 2}, {2, 1}, {1, 1}, {1, 1}, false, "test");
  auto dy = normal<double>(geo.y, g), w = normal<double>(geo.w, g), b = normal<double>(shape{3}, g);
  check2("conv_data_bias",
         [&](tape&, const std::vector<vd>& v) { return ad::conv_data_bias(v[0], v[1], v[2], geo); },
         {dy, w, b});
  tape t;
  auto dyv = t.variable(dy), wv = t.variable(w), bv = t.variable(b);
  auto fused = ad::conv_data_bias(dyv, wv, bv, geo);
  REQUIRE(fused.shape() == geo.x);
  require_fused_equals(fused, ad::bias_add(ad::conv_data(dyv, wv, geo), bv, 1), "conv_data_bias");
  // the bias has one value per channel of the result (3), not of dy (2)
  CHECK_THROWS_AS(ad::conv_data_bias(dyv, wv, t.variable(normal<double>(shape{2}, g)), geo), shape_error);
}
