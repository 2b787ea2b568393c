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
