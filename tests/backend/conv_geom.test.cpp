#include <hamgen/backend/cpu/conv_geom.hpp>

#include <catch2/catch.hpp>

namespace cpu = hamgen::backend::cpu;
namespace detail = hamgen::backend::cpu::detail;
using cpu::index_t;

TEST_CASE("conv_geom: output sizes and the 3-d padding of 1-d and 2-d problems", "[backend][conv]") {
  // floor((in + 2p - d(k-1) - 1)/s) + 1 per dim; 2-d dims land in the last two slots
  const auto g = detail::make_conv_geom(
      cpu::conv_shape<2>{.batch = 3, .in_channels = 5, .out_channels = 7, .input = {9, 11}, .kernel = {3, 4}},
      cpu::conv_options<2>{.stride = {2, 3}, .padding = {1, 2}, .dilation = {2, 1}});
  CHECK(g.n == 3);
  CHECK(g.cx == 5);
  CHECK(g.cy == 7);
  CHECK(g.xs == std::array<index_t, 3>{1, 9, 11});
  CHECK(g.ys == std::array<index_t, 3>{1, (9 + 2 - 4 - 1) / 2 + 1, (11 + 4 - 3 - 1) / 3 + 1});
  CHECK(g.k_volume() == 12);
  CHECK(g.col_rows() == 60);
  // causal: all the padding before, none after
  const auto c = detail::make_conv_geom(
      cpu::conv_shape<1>{.batch = 1, .in_channels = 1, .out_channels = 1, .input = {9}, .kernel = {4}},
      cpu::conv_options<1>{.padding = {3}, .causal = true});
  CHECK(c.ys[2] == 9);
  CHECK(c.p[2] == 3);
  // transposed: X is its output, (in - 1)s - 2p + d(k-1) + output_padding + 1
  const auto t = detail::make_conv_transpose_geom(
      cpu::conv_shape<2>{.batch = 2, .in_channels = 4, .out_channels = 6, .input = {5, 3}, .kernel = {4, 3}},
      cpu::conv_transpose_options<2>{.stride = {2, 2}, .padding = {1, 0}, .output_padding = {1, 0}});
  CHECK(t.cx == 6);
  CHECK(t.cy == 4);
  CHECK(t.ys == std::array<index_t, 3>{1, 5, 3});
  CHECK(t.xs == std::array<index_t, 3>{1, 4 * 2 - 2 + 3 + 1 + 1, 2 * 2 + 2 + 1});
}

TEST_CASE("conv_geom rejects impossible geometry naming the dim and the values", "[backend][conv]") {
  const cpu::conv_shape<2> sh{
      .batch = 1, .in_channels = 1, .out_channels = 1, .input = {3, 3}, .kernel = {5, 5}};
  CHECK_THROWS_WITH(detail::make_conv_geom(sh, cpu::conv_options<2>{}),
                    Catch::Contains("dim 0") && Catch::Contains("padded input size 3") &&
                        Catch::Contains("dilated kernel extent 5"));
  CHECK_THROWS_WITH(detail::make_conv_geom(sh, cpu::conv_options<2>{.padding = {2, -1}}),
                    Catch::Contains("dim 1") && Catch::Contains("padding -1"));
  const cpu::conv_shape<1> zero{.batch = 0, .in_channels = 1, .out_channels = 1, .input = {3}, .kernel = {1}};
  CHECK_THROWS_WITH(detail::make_conv_geom(zero, cpu::conv_options<1>{}), Catch::Contains("batch 0"));
}
