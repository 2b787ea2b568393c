#include <catch2/catch.hpp>

#include <hamgen/core/random.hpp>
#include <hamgen/ops/conv.hpp>

using namespace hamgen;

TEST_CASE("conv geometry: output sizes, transposed geometry, adjointness, shape errors", "[ops][conv]") {
  auto g = ops::make_conv_geometry<2>(shape{2, 3, 8, 8}, 4, {4, 4}, {2, 2}, {1, 1}, {1, 1}, false, "conv2d");
  CHECK(g.y == shape{2, 4, 4, 4});
  CHECK(g.w == shape{4, 3, 4, 4});
  auto t = ops::make_conv_transpose_geometry<2>(shape{2, 4, 4, 4}, 3, {4, 4}, {2, 2}, {1, 1}, {0, 0}, {1, 1},
                                                "ct");
  CHECK(t.x == shape{2, 3, 8, 8}); // the transposed conv's output
  CHECK(t.y == shape{2, 4, 4, 4});
  CHECK(t.w == shape{4, 3, 4, 4}); // PyTorch ConvTranspose layout [in, out, k, k]
  generator r(1);
  auto x = normal<double>(g.x, r), w = normal<double>(g.w, r), dy = normal<double>(g.y, r);
  auto y = ops::conv_forward(x, w, g);
  auto dx = ops::conv_backward_data(dy, w, g);
  double a = 0, b = 0; // <conv(x), dy> = <x, conv_data(dy)>
  for (std::size_t i = 0; i < y.size(); ++i) a += y[i] * dy[i];
  for (std::size_t i = 0; i < x.size(); ++i) b += x[i] * dx[i];
  CHECK(a == Approx(b).epsilon(1e-12));
  auto dw = ops::conv_backward_weight(x, dy, g);
  double c = 0; // <conv(x; w), dy> = <w, conv_weight(x, dy)>
  for (std::size_t i = 0; i < w.size(); ++i) c += w[i] * dw[i];
  CHECK(a == Approx(c).epsilon(1e-12));
  CHECK_THROWS_WITH(ops::conv_forward(normal<double>({2, 3, 7, 8}, r), w, g),
                    Catch::Contains("conv_forward") && Catch::Contains("[2, 3, 7, 8]") &&
                        Catch::Contains("[2, 3, 8, 8]"));
  CHECK_THROWS_WITH(
      (ops::make_conv_geometry<2>(shape{1, 1, 2, 2}, 1, {5, 5}, {1, 1}, {0, 0}, {1, 1}, false, "conv2d")),
      Catch::Contains("conv2d") && Catch::Contains("[1, 1, 2, 2]"));
}

TEST_CASE("conv bias: one value per channel, rank 1, named in the error", "[ops][conv]") {
  auto g = ops::make_conv_geometry<2>(shape{2, 3, 6, 6}, 4, {3, 3}, {1, 1}, {1, 1}, {1, 1}, false, "conv2d");
  generator r(2);
  const auto x = normal<double>(g.x, r), w = normal<double>(g.w, r), dy = normal<double>(g.y, r);
  // forward: bias per output channel (4); data gradient: per channel of the result (3)
  const auto b4 = normal<double>(shape{4}, r), b3 = normal<double>(shape{3}, r);
  const auto y = ops::conv_forward(x, w, g, &b4), y0 = ops::conv_forward(x, w, g);
  const auto dx = ops::conv_backward_data(dy, w, g, &b3), dx0 = ops::conv_backward_data(dy, w, g);
  const std::size_t py = y.size() / (2 * 4), px = dx.size() / (2 * 3);
  for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(y[i] == Approx(y0[i] + b4[i / py % 4]).epsilon(1e-14));
  for (std::size_t i = 0; i < dx.size(); ++i)
    REQUIRE(dx[i] == Approx(dx0[i] + b3[i / px % 3]).epsilon(1e-14));
  // the right number of values in the wrong rank ([1, 4], [4, 1]) or the wrong number
  for (const shape& bad : {shape{1, 4}, shape{4, 1}, shape{3}}) {
    const auto b = normal<double>(bad, r);
    CHECK_THROWS_WITH(ops::conv_forward(x, w, g, &b),
                      Catch::Contains("conv_forward") && Catch::Contains("bias") && Catch::Contains("[4]"));
  }
  for (const shape& bad : {shape{1, 3}, shape{3, 1, 1}, shape{4}}) {
    const auto b = normal<double>(bad, r);
    CHECK_THROWS_WITH(ops::conv_backward_data(dy, w, g, &b), Catch::Contains("conv_backward_data") &&
                                                                 Catch::Contains("bias") &&
                                                                 Catch::Contains("[3]"));
  }
}
