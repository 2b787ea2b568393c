#include "conv_reference.hpp"

#include <hamgen/backend/cpu/conv.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <vector>

using namespace conv_test;

// The im2col-specific cases below pin the im2col kernels (use_algorithm; automatic would send some of
// them to the direct kernels, which conv_direct.test.cpp covers).

TEST_CASE("conv1d forward matches a naive loop, backward matches finite differences", "[backend][conv]") {
  using S = cpu::conv_shape<1>;
  using O = cpu::conv_options<1>;
  check_conv<1>(S{.batch = 3, .in_channels = 2, .out_channels = 3, .input = {11}, .kernel = {3}}, O{}, 1);
  check_conv<1>(S{.batch = 2, .in_channels = 3, .out_channels = 2, .input = {13}, .kernel = {4}},
                O{.stride = {2}, .padding = {2}, .dilation = {2}}, 2);
  // causal temporal conv as in HALO's TCN: k4, padding 3 on the left only keeps the length
  const S causal{.batch = 2, .in_channels = 3, .out_channels = 3, .input = {9}, .kernel = {4}};
  const O co{.padding = {3}, .causal = true};
  CHECK(cpu::conv_output_size(causal, co)[0] == 9);
  check_conv<1>(causal, co, 3);
  check_conv<1>(S{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {10}, .kernel = {2}},
                O{.padding = {4}, .dilation = {4}, .causal = true}, 4);
}

TEST_CASE("causal conv1d output at time t depends only on inputs up to t", "[backend][conv]") {
  const cpu::conv_shape<1> sh{.batch = 1, .in_channels = 1, .out_channels = 1, .input = {8}, .kernel = {3}};
  const cpu::conv_options<1> o{.padding = {4}, .dilation = {2}, .causal = true};
  const auto x = random_vector(8, 5), w = random_vector(3, 6);
  std::vector<double> y(8), y2(8);
  cpu::conv_forward(sh, o, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
  auto x2 = x;
  x2[5] += 1.0;
  cpu::conv_forward(sh, o, x2.data(), w.data(), static_cast<const double*>(nullptr), y2.data());
  for (int t = 0; t < 5; ++t) CHECK(y[t] == y2[t]);
  CHECK(y[5] != y2[5]);
}

TEST_CASE("conv2d forward matches a naive loop, backward matches finite differences", "[backend][conv]") {
  using S = cpu::conv_shape<2>;
  using O = cpu::conv_options<2>;
  check_conv<2>(S{.batch = 3, .in_channels = 2, .out_channels = 3, .input = {7, 6}, .kernel = {3, 3}}, O{},
                10);
  // DCGAN block: k4 s2 p1 (odd input)
  check_conv<2>(S{.batch = 4, .in_channels = 3, .out_channels = 2, .input = {9, 8}, .kernel = {4, 4}},
                O{.stride = {2, 2}, .padding = {1, 1}}, 11);
  // HALO: k5 p2, stride 1 and 2
  check_conv<2>(S{.batch = 2, .in_channels = 2, .out_channels = 3, .input = {7, 7}, .kernel = {5, 5}},
                O{.stride = {2, 2}, .padding = {2, 2}}, 12);
  // mixed stride / padding / dilation per dim, non-square kernel
  check_conv<2>(S{.batch = 3, .in_channels = 2, .out_channels = 2, .input = {9, 10}, .kernel = {2, 3}},
                O{.stride = {1, 3}, .padding = {2, 1}, .dilation = {3, 2}}, 13);
  // a 1x1 output (the last discriminator layer) and a large batch (grouped GEMM path)
  check_conv<2>(S{.batch = 7, .in_channels = 3, .out_channels = 1, .input = {4, 4}, .kernel = {4, 4}}, O{},
                14);
}

TEST_CASE("conv3d forward matches a naive loop, backward matches finite differences", "[backend][conv]") {
  using S = cpu::conv_shape<3>;
  using O = cpu::conv_options<3>;
  check_conv<3>(S{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {5, 6, 5}, .kernel = {4, 4, 4}},
                O{.stride = {2, 2, 2}, .padding = {1, 1, 1}}, 20);
  check_conv<3>(S{.batch = 3, .in_channels = 1, .out_channels = 2, .input = {4, 5, 3}, .kernel = {2, 3, 1}},
                O{.stride = {1, 2, 1}, .padding = {0, 1, 1}, .dilation = {2, 1, 1}}, 21);
}

TEST_CASE("conv_transpose matches a naive scatter loop, backward matches finite differences",
          "[backend][conv]") {
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_transpose_options<2>;
  // DCGAN generator: first layer k4 from 1x1, then k4 s2 p1
  check_conv_transpose<2>(
      S2{.batch = 3, .in_channels = 4, .out_channels = 3, .input = {1, 1}, .kernel = {4, 4}}, O2{}, 30);
  check_conv_transpose<2>(
      S2{.batch = 2, .in_channels = 3, .out_channels = 2, .input = {3, 4}, .kernel = {4, 4}},
      O2{.stride = {2, 2}, .padding = {1, 1}}, 31);
  check_conv_transpose<2>(
      S2{.batch = 2, .in_channels = 2, .out_channels = 3, .input = {3, 3}, .kernel = {3, 2}},
      O2{.stride = {2, 3}, .padding = {1, 0}, .output_padding = {1, 2}, .dilation = {1, 1}}, 32);
  check_conv_transpose<2>(
      S2{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {4, 3}, .kernel = {2, 3}},
      O2{.stride = {1, 2}, .padding = {1, 1}, .output_padding = {1, 0}, .dilation = {2, 1}}, 33);
  check_conv_transpose<1>(
      cpu::conv_shape<1>{.batch = 2, .in_channels = 2, .out_channels = 3, .input = {5}, .kernel = {3}},
      cpu::conv_transpose_options<1>{.stride = {2}, .padding = {1}, .output_padding = {1}}, 34);
  check_conv_transpose<3>(
      cpu::conv_shape<3>{
          .batch = 2, .in_channels = 2, .out_channels = 2, .input = {2, 3, 2}, .kernel = {2, 2, 3}},
      cpu::conv_transpose_options<3>{.stride = {2, 1, 2}, .padding = {0, 1, 1}}, 35);
}

TEST_CASE("double backprop identities: the backward kernels differentiate into other kernels",
          "[backend][conv]") {
  // f(dy, w) = <conv_backward_data(dy, w), H>. Its gradient in w is conv_backward_weight(x := H, dy)
  // and in dy is conv_forward(H, w): checked by finite differences.
  const cpu::conv_shape<2> sh{
      .batch = 2, .in_channels = 2, .out_channels = 3, .input = {6, 5}, .kernel = {3, 3}};
  const cpu::conv_options<2> o{.stride = {2, 1}, .padding = {1, 1}};
  const auto osz = cpu::conv_output_size(sh, o);
  const std::size_t nx = 2 * 2 * 30, nw = 3 * 2 * 9, ny = static_cast<std::size_t>(2 * 3 * osz[0] * osz[1]);
  const auto dy = random_vector(ny, 40), w = random_vector(nw, 41), H = random_vector(nx, 42);
  auto f = [&](const std::vector<double>& dyy, const std::vector<double>& ww) {
    std::vector<double> dx(nx);
    cpu::conv_backward_data(sh, o, dyy.data(), ww.data(), dx.data());
    return kernel_test::dot(dx, H);
  };
  std::vector<double> gw(nw), gdy(ny);
  cpu::conv_backward_weight(sh, o, H.data(), dy.data(), gw.data());
  cpu::conv_forward(sh, o, H.data(), w.data(), static_cast<const double*>(nullptr), gdy.data());
  CHECK(rel_error(gw, fd_gradient([&](const std::vector<double>& ww) { return f(dy, ww); }, w)) < 1e-6);
  CHECK(rel_error(gdy, fd_gradient([&](const std::vector<double>& d) { return f(d, w); }, dy)) < 1e-6);

  // g(x, dy) = <conv_backward_weight(x, dy), K>: gradient in x is conv_backward_data(dy, K),
  // in dy is conv_forward(x, K).
  const auto x = random_vector(nx, 43), K = random_vector(nw, 44);
  auto gfun = [&](const std::vector<double>& xx, const std::vector<double>& d) {
    std::vector<double> dw(nw);
    cpu::conv_backward_weight(sh, o, xx.data(), d.data(), dw.data());
    return kernel_test::dot(dw, K);
  };
  std::vector<double> gx(nx), gd(ny);
  cpu::conv_backward_data(sh, o, dy.data(), K.data(), gx.data());
  cpu::conv_forward(sh, o, x.data(), K.data(), static_cast<const double*>(nullptr), gd.data());
  CHECK(rel_error(gx, fd_gradient([&](const std::vector<double>& xx) { return gfun(xx, dy); }, x)) < 1e-6);
  CHECK(rel_error(gd, fd_gradient([&](const std::vector<double>& d) { return gfun(x, d); }, dy)) < 1e-6);
}

TEST_CASE("conv results do not depend on the thread count", "[backend][conv]") {
  // small (batch split) and large (threaded GEMM inside: batch 1 and an uneven batch 3) cases,
  // through both kernel families
  const use_algorithm alg(GENERATE(cpu::conv_algorithm::im2col, cpu::conv_algorithm::direct));
  for (const auto& sh :
       {cpu::conv_shape<2>{
            .batch = 5, .in_channels = 3, .out_channels = 4, .input = {10, 9}, .kernel = {4, 4}},
        cpu::conv_shape<2>{
            .batch = 1, .in_channels = 16, .out_channels = 32, .input = {32, 31}, .kernel = {4, 4}},
        cpu::conv_shape<2>{
            .batch = 3, .in_channels = 16, .out_channels = 32, .input = {30, 32}, .kernel = {4, 4}},
        cpu::conv_shape<2>{
            .batch = 4, .in_channels = 16, .out_channels = 32, .input = {30, 32}, .kernel = {4, 4}}}) {
    const cpu::conv_options<2> o{.stride = {1, 2}, .padding = {1, 1}};
    const auto osz = cpu::conv_output_size(sh, o);
    const auto nx = static_cast<std::size_t>(sh.batch * sh.in_channels * sh.input[0] * sh.input[1]);
    const auto nw = static_cast<std::size_t>(sh.out_channels * sh.in_channels * 16);
    const auto ny = static_cast<std::size_t>(sh.batch * sh.out_channels * osz[0] * osz[1]);
    const auto x = kernel_test::cast<float>(random_vector(nx, 50));
    const auto w = kernel_test::cast<float>(random_vector(nw, 51));
    const auto G = kernel_test::cast<float>(random_vector(ny, 52));
    auto run = [&] {
      std::vector<float> y(ny), dx(nx), dw(nw), yt(nx);
      cpu::conv_forward(sh, o, x.data(), w.data(), static_cast<const float*>(nullptr), y.data());
      cpu::conv_backward_data(sh, o, G.data(), w.data(), dx.data());
      cpu::conv_backward_weight(sh, o, x.data(), G.data(), dw.data());
      y.insert(y.end(), dx.begin(), dx.end());
      y.insert(y.end(), dw.begin(), dw.end());
      return y;
    };
    const int saved = cpu::num_threads();
    cpu::set_num_threads(1);
    const auto one = run();
    cpu::set_num_threads(2);
    const auto two = run();
    cpu::set_num_threads(3);
    const auto three = run();
    cpu::set_num_threads(saved);
    REQUIRE(one.size() == three.size());
    bool ok = true;
    for (std::size_t i = 0; i < one.size(); ++i)
      ok = ok && std::abs(one[i] - three[i]) <= 1e-4f * (1 + std::abs(one[i])) &&
           std::abs(one[i] - two[i]) <= 1e-4f * (1 + std::abs(one[i]));
    CHECK(ok);
  }
}

TEST_CASE("conv rejects impossible geometry with messages naming the kernel", "[backend][conv]") {
  const cpu::conv_shape<2> sh{
      .batch = 1, .in_channels = 1, .out_channels = 1, .input = {3, 3}, .kernel = {5, 5}};
  CHECK_THROWS_AS(cpu::conv_output_size(sh), hamgen::shape_error);
  CHECK_THROWS_WITH(cpu::conv_output_size(sh),
                    Catch::Contains("cpu::conv") && Catch::Contains("dilated kernel"));
  CHECK_THROWS_AS(cpu::conv_output_size(sh, {.stride = {0, 1}}), hamgen::value_error);
  const cpu::conv_shape<2> t{
      .batch = 1, .in_channels = 1, .out_channels = 1, .input = {3, 3}, .kernel = {3, 3}};
  CHECK_THROWS_AS(cpu::conv_transpose_output_size(t, {.stride = {2, 2}, .output_padding = {2, 0}}),
                  hamgen::value_error);
}

// Outputs of >= 256 pixels whose column matrix exceeds the block size are lowered block by block
// of output rows (im2col -> GEMM, GEMM -> col2im); blocks end mid-row-range and mid-plane here.
TEST_CASE("conv with large outputs (blocked im2col) matches naive loops and their adjoints",
          "[backend][conv]") {
  const use_algorithm pin(cpu::conv_algorithm::im2col);
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_options<2>;
  // padded (k3 p1, odd sizes): 8 blocks of 8 rows and a short last block
  check_against_naive<2>(
      S2{.batch = 2, .in_channels = 16, .out_channels = 5, .input = {61, 59}, .kernel = {3, 3}},
      O2{.padding = {1, 1}}, 40);
  // no padding, stride 1 along W: X is read in place (direct layout)
  check_against_naive<2>(
      S2{.batch = 2, .in_channels = 16, .out_channels = 3, .input = {61, 59}, .kernel = {3, 3}},
      O2{.stride = {2, 1}}, 41);
  // stride 3, dilation 2, unequal padding
  check_against_naive<2>(
      S2{.batch = 1, .in_channels = 40, .out_channels = 2, .input = {70, 65}, .kernel = {3, 3}},
      O2{.stride = {3, 3}, .padding = {2, 1}, .dilation = {2, 2}}, 42);
  // 3-d k4 s2 p1 (the video discriminator): a block boundary inside an output plane
  check_against_naive<3>(
      cpu::conv_shape<3>{
          .batch = 2, .in_channels = 8, .out_channels = 3, .input = {9, 20, 21}, .kernel = {4, 4, 4}},
      cpu::conv_options<3>{.stride = {2, 2, 2}, .padding = {1, 1, 1}}, 43);
}

TEST_CASE("conv weight gradient in slabs of input channels matches naive loops", "[backend][conv]") {
  const use_algorithm pin(cpu::conv_algorithm::im2col);
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_options<2>;
  // double: 128 x 9 x 8 bytes per input channel, so 56 channels per 512 KiB slab: slabs of 56
  // and 4 channels, each over two blocks of output rows (22 and 10 rows of 24 pixels)
  const S2 s1{.batch = 2, .in_channels = 60, .out_channels = 128, .input = {32, 24}, .kernel = {3, 3}};
  const O2 o1{.padding = {1, 1}};
  const auto g1 = cpu::detail::make_conv_geom(s1, o1);
  CHECK(cpu::detail::weight_slab_channels<double>(g1) == 56);
  CHECK(cpu::detail::weight_slab_channels<float>(g1) == 60); // float: one slab, the blocked path
  check_against_naive<2>(s1, o1, 70);
  // k5 s2 p2 (the HALO encoder's geometry): slabs of 27 and 13 channels, one block of 20 rows
  const S2 s2{.batch = 2, .in_channels = 40, .out_channels = 96, .input = {40, 36}, .kernel = {5, 5}};
  const O2 o2{.stride = {2, 2}, .padding = {2, 2}};
  CHECK(cpu::detail::weight_slab_channels<double>(cpu::detail::make_conv_geom(s2, o2)) == 27);
  check_against_naive<2>(s2, o2, 71);
}

TEST_CASE("conv with short output rows (unrolled widths 2, 3, 4, 6, 8, 16) matches naive loops",
          "[backend][conv]") {
  const use_algorithm pin(cpu::conv_algorithm::im2col);
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_options<2>;
  for (index_t w : {4, 6, 8, 12, 16, 32}) // k4 s2 p1: output widths 2, 3, 4, 6, 8, 16
    check_against_naive<2>(
        S2{.batch = 3, .in_channels = 3, .out_channels = 2, .input = {7, w}, .kernel = {4, 4}},
        O2{.stride = {2, 2}, .padding = {1, 1}}, 50 + static_cast<unsigned>(w));
  // stride 3 with dilation along W, width 4 output
  check_against_naive<2>(
      S2{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {6, 14}, .kernel = {2, 3}},
      O2{.stride = {1, 3}, .padding = {0, 2}, .dilation = {1, 2}}, 60);
}

TEST_CASE("conv group_size: columns per product, the block, weight and pair budgets", "[backend][conv]") {
  using cpu::detail::group_size;
  // (pixels, samples, col rows, weight elements) of the 96 x 96 DCGAN discriminator at batch 16
  CHECK(group_size(576, 16, 512, 64 * 512) == 1);    // 32 -> 64: enough pixels, blocks of rows
  CHECK(group_size(144, 16, 1024, 128 * 1024) == 2); // 64 -> 128: a pair (columns > weight)
  CHECK(group_size(144, 16, 1024) == 1);             // its weight gradient: no pair
  CHECK(group_size(36, 16, 2048, 256 * 2048) == 7);  // 128 -> 256: within the 2 MiB weight
  CHECK(group_size(36, 16, 2048) == 1);              // its weight gradient: within the block
  // the 32 x 32 discriminator: the block (64 Ki elements) and the weight bound the groups
  CHECK(group_size(64, 16, 512, 64 * 512) == 2);
  CHECK(group_size(16, 16, 1024, 128 * 1024) == 8);
  CHECK(group_size(16, 16, 1024) == 4);
  // never more than the samples at hand, nor more than >= 256 columns need
  CHECK(group_size(16, 3, 32, 64) == 3);
  CHECK(group_size(100, 16, 8, 64) == 3);
  CHECK(group_size(144, 1, 1024, 128 * 1024) == 1);
}

TEST_CASE("conv backward data over few pixels (col^T = dY^T W) and over many matches the naive adjoint",
          "[backend][conv]") {
  const use_algorithm pin(cpu::conv_algorithm::im2col);
  using S2 = cpu::conv_shape<2>;
  const cpu::conv_options<2> o{.stride = {2, 2}, .padding = {1, 1}};
  static_assert(cpu::detail::transposed_max_columns == 96);
  struct layer {
    index_t batch, in, out, h, w;
    unsigned seed;
  };
  for (const layer& c : {
           // one sample per product: 36 pixels (the 96 x 96 DCGAN discriminator's 128 -> 256
           // layer, channels scaled down) and exactly 96 pixels take the transposed product; 99
           // pixels the plain one
           layer{1, 128, 4, 12, 12, 70},
           layer{1, 64, 3, 16, 24, 71},
           layer{1, 64, 3, 18, 22, 72},
           // a pair per product although a sample's columns outgrow the block and the weight
           // (2 + 1 samples): 2 x 36 pixels (transposed), 2 x 99 pixels (plain)
           layer{3, 128, 4, 12, 12, 77},
           layer{3, 64, 3, 18, 22, 78},
           // a weight larger than the block size lets the forward and the data gradient group
           // samples: 80 x 2048 weight, 2 x 36 pixels (transposed); 100 x 2048, 2 x 49 (plain)
           layer{2, 128, 80, 12, 12, 75},
           layer{2, 128, 100, 14, 14, 76},
           // grouped samples: 3 x 16 pixels (transposed) and 3 x 49 pixels (plain)
           layer{3, 2, 3, 8, 8, 73},
           layer{3, 2, 3, 14, 14, 74},
       }) {
    INFO("batch " << c.batch << ", " << c.in << " -> " << c.out << " channels, input " << c.h << " x "
                  << c.w);
    check_against_naive<2>(S2{.batch = c.batch,
                              .in_channels = c.in,
                              .out_channels = c.out,
                              .input = {c.h, c.w},
                              .kernel = {4, 4}},
                           o, c.seed);
  }
}
