#include "conv_reference.hpp"

#include <hamgen/backend/cpu/conv_direct.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <type_traits>
#include <vector>

using namespace conv_test;
namespace detail = hamgen::backend::cpu::detail;

TEST_CASE("direct conv kernels match naive loops and finite differences", "[backend][conv][direct]") {
  const use_algorithm direct(cpu::conv_algorithm::direct);
  // (these layers have fewer channels than a wide tile: the narrow tile throughout)
  using S1 = cpu::conv_shape<1>;
  using O1 = cpu::conv_options<1>;
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_options<2>;
  using S3 = cpu::conv_shape<3>;
  using O3 = cpu::conv_options<3>;
  // causal and dilated 1-d (HALO's temporal conv), strided with padding
  check_conv<1>(S1{.batch = 2, .in_channels = 3, .out_channels = 3, .input = {9}, .kernel = {4}},
                O1{.padding = {3}, .causal = true}, 101);
  check_conv<1>(S1{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {10}, .kernel = {2}},
                O1{.padding = {4}, .dilation = {4}, .causal = true}, 102);
  check_conv<1>(S1{.batch = 2, .in_channels = 3, .out_channels = 2, .input = {13}, .kernel = {4}},
                O1{.stride = {2}, .padding = {2}, .dilation = {2}}, 103);
  // DCGAN block (odd input), HALO k5 s2 p2, mixed stride / padding / dilation, a 1x1 output
  check_conv<2>(S2{.batch = 4, .in_channels = 3, .out_channels = 2, .input = {9, 8}, .kernel = {4, 4}},
                O2{.stride = {2, 2}, .padding = {1, 1}}, 111);
  check_conv<2>(S2{.batch = 2, .in_channels = 2, .out_channels = 3, .input = {7, 7}, .kernel = {5, 5}},
                O2{.stride = {2, 2}, .padding = {2, 2}}, 112);
  check_conv<2>(S2{.batch = 3, .in_channels = 2, .out_channels = 2, .input = {9, 10}, .kernel = {2, 3}},
                O2{.stride = {1, 3}, .padding = {2, 1}, .dilation = {3, 2}}, 113);
  // padding wider than the stride's reach: pixels whose every tap lies in the padding
  check_conv<2>(S2{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {3, 4}, .kernel = {2, 2}},
                O2{.stride = {1, 1}, .padding = {3, 2}}, 114);
  check_conv<3>(S3{.batch = 2, .in_channels = 2, .out_channels = 2, .input = {5, 6, 5}, .kernel = {4, 4, 4}},
                O3{.stride = {2, 2, 2}, .padding = {1, 1, 1}}, 120);
  check_conv<3>(S3{.batch = 3, .in_channels = 1, .out_channels = 2, .input = {4, 5, 3}, .kernel = {2, 3, 1}},
                O3{.stride = {1, 2, 1}, .padding = {0, 1, 1}, .dilation = {2, 1, 1}}, 121);
  // transposed convolutions run the same kernels with the roles of X and Y exchanged
  check_conv_transpose<2>(
      S2{.batch = 2, .in_channels = 3, .out_channels = 2, .input = {4, 5}, .kernel = {4, 4}},
      cpu::conv_transpose_options<2>{.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 0}}, 130);
}

TEST_CASE("direct conv kernels on full register tiles and channel remainders match naive loops",
          "[backend][conv][direct]") {
  const use_algorithm direct(cpu::conv_algorithm::direct);
  // with the wide (AVX-512) tile where the CPU has it and the channels fill it, and with the
  // narrow one throughout
  const bool wide_tiles = GENERATE(true, false);
  const use_wide_tiles tiles(wide_tiles);
  INFO("wide tiles allowed: " << wide_tiles << ", AVX-512F: " << cpu::simd_avx512_available());
  using S2 = cpu::conv_shape<2>;
  using O2 = cpu::conv_options<2>;
  // 19 and 21 channels: one full narrow block of 16 floats / two of 8 doubles (or, in double,
  // one wide block of 16) plus a remainder; 13 output channels: two 6-row weight-gradient tiles
  // and one of 1 (one 8-row wide tile and one of 5)
  check_against_naive<2>(
      S2{.batch = 3, .in_channels = 19, .out_channels = 21, .input = {10, 9}, .kernel = {4, 4}},
      O2{.stride = {2, 2}, .padding = {1, 1}}, 140);
  check_against_naive<2>(
      S2{.batch = 2, .in_channels = 21, .out_channels = 13, .input = {8, 8}, .kernel = {5, 5}},
      O2{.padding = {2, 2}}, 141);
  check_against_naive<3>(
      cpu::conv_shape<3>{
          .batch = 2, .in_channels = 16, .out_channels = 18, .input = {4, 6, 6}, .kernel = {4, 4, 4}},
      cpu::conv_options<3>{.stride = {2, 2, 2}, .padding = {1, 1, 1}}, 142);
  check_against_naive<1>(
      cpu::conv_shape<1>{.batch = 3, .in_channels = 17, .out_channels = 16, .input = {20}, .kernel = {3}},
      cpu::conv_options<1>{.padding = {4}, .dilation = {2}, .causal = true}, 143);
  // a source above direct_blocked_source_bytes per sample (in double: 64 x 48 x 44 x 8 bytes,
  // for x and for dy): channels in blocks of one 28-channel pass each, 28, 28 and 8
  check_against_naive<2>(
      S2{.batch = 2, .in_channels = 64, .out_channels = 64, .input = {48, 44}, .kernel = {3, 3}},
      O2{.padding = {1, 1}}, 144);
  // wide float tiles with remainders: 37 = 32 + 5 input channels, 45 = 32 + 13 output channels
  // (five 8-row weight-gradient tiles and one of 5), and a strided 3-d layer with 33 = 32 + 1
  check_against_naive<2>(
      S2{.batch = 3, .in_channels = 37, .out_channels = 45, .input = {11, 10}, .kernel = {4, 4}},
      O2{.stride = {2, 2}, .padding = {1, 1}}, 145);
  check_against_naive<3>(
      cpu::conv_shape<3>{
          .batch = 2, .in_channels = 33, .out_channels = 40, .input = {4, 5, 6}, .kernel = {4, 4, 4}},
      cpu::conv_options<3>{.stride = {2, 2, 2}, .padding = {1, 1, 1}}, 146);
}

TEST_CASE("direct conv register tiles: the AVX2 and AVX-512 tiles equal the portable loops",
          "[backend][conv][direct]") {
  // direct_tile_n runs the narrow tile in AVX2 where the CPU has AVX2 + FMA (as on the CI
  // machine), the wide one in AVX-512 where it has AVX-512F (the CI machine's Zen 4 does), the
  // portable loops elsewhere; the portable loops are the reference either way
  auto check = [](auto zero, auto wide, unsigned seed) {
    using T = decltype(zero);
    constexpr bool Wide = decltype(wide)::value;
    constexpr index_t VB = detail::direct_shape<T, Wide>::block;
    constexpr int N = detail::direct_shape<T, Wide>::rows;
    const index_t channels = 3, taps = 5, a_pitch = 7 * VB, b_pitch = 40;
    const auto a = kernel_test::cast<T>(random_vector(static_cast<std::size_t>(channels * a_pitch), seed));
    const auto b =
        kernel_test::cast<T>(random_vector(static_cast<std::size_t>(channels * b_pitch + 64), seed + 1));
    const std::vector<index_t> ta{0, 3 * VB, VB, 6 * VB, 2 * VB}, tb{0, 5, 2, 11, 7};
    const std::array<index_t, 8> base{1, 4, 9, 16, 20, 2, 31, 12};
    for (int accumulate = 0; accumulate < 2; ++accumulate) {
      std::vector<T> out(N * VB), ref(N * VB);
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = ref[i] = T(0.25) * static_cast<T>(i % 7);
      detail::direct_tile_n<T, N, Wide>(a.data(), a_pitch, b.data(), b_pitch, base.data(), ta.data(),
                                        tb.data(), taps, 1, channels, out.data(), accumulate == 1);
      detail::direct_tile_portable<T, N, VB>(a.data(), a_pitch, b.data(), b_pitch, base.data(), ta.data(),
                                             tb.data(), taps, 1, channels, ref.data(), accumulate == 1);
      std::vector<double> o(out.begin(), out.end()), r(ref.begin(), ref.end());
      CHECK(rel_error(o, r) < (sizeof(T) == 4 ? 1e-6 : 1e-14));
    }
  };
  check(0.0, std::false_type{}, 150);
  check(0.0f, std::false_type{}, 151);
  check(0.0, std::true_type{}, 152);
  check(0.0f, std::true_type{}, 153);
}

TEST_CASE("direct conv forward and data gradient are bit-identical at any thread count",
          "[backend][conv][direct]") {
  const use_algorithm direct(cpu::conv_algorithm::direct);
  // 16 -> 32: the narrow tile; 32 -> 48: the wide one where the CPU has AVX-512
  const index_t cin = GENERATE(16, 32), cout = cin == 16 ? 32 : 48;
  const cpu::conv_shape<2> sh{
      .batch = 5, .in_channels = cin, .out_channels = cout, .input = {12, 10}, .kernel = {4, 4}};
  const cpu::conv_options<2> o{.stride = {2, 2}, .padding = {1, 1}};
  const auto osz = cpu::conv_output_size(sh, o);
  const auto nx = static_cast<std::size_t>(5 * cin * 12 * 10), nw = static_cast<std::size_t>(cout * cin * 16);
  const auto ny = static_cast<std::size_t>(5 * cout * osz[0] * osz[1]);
  const auto x = kernel_test::cast<float>(random_vector(nx, 160));
  const auto w = kernel_test::cast<float>(random_vector(nw, 161));
  const auto G = kernel_test::cast<float>(random_vector(ny, 162));
  auto run = [&](int threads) {
    cpu::set_num_threads(threads);
    std::vector<float> y(ny), dx(nx);
    cpu::conv_forward(sh, o, x.data(), w.data(), static_cast<const float*>(nullptr), y.data());
    cpu::conv_backward_data(sh, o, G.data(), w.data(), dx.data());
    y.insert(y.end(), dx.begin(), dx.end());
    return y;
  };
  const int saved = cpu::num_threads();
  const auto one = run(1), two = run(2), three = run(3);
  cpu::set_num_threads(saved);
  CHECK(one == two);
  CHECK(one == three);
}

TEST_CASE("direct_tap_share counts the taps inside the input", "[backend][conv][direct]") {
  // k4 s2 p1, 16 -> 8 per dim: the first and last output each lose one of 4 taps: 30 / 32
  const auto g2 = detail::make_conv_geom(
      cpu::conv_shape<2>{
          .batch = 1, .in_channels = 1, .out_channels = 1, .input = {16, 16}, .kernel = {4, 4}},
      cpu::conv_options<2>{.stride = {2, 2}, .padding = {1, 1}});
  CHECK(detail::direct_tap_share(g2) == Approx(30.0 / 32 * 30.0 / 32).epsilon(1e-15));
  // k5 s1 p2, 8 -> 8: taps per output 3, 4, 5, 5, 5, 5, 4, 3 of 5
  const auto g1 = detail::make_conv_geom(
      cpu::conv_shape<1>{.batch = 1, .in_channels = 1, .out_channels = 1, .input = {8}, .kernel = {5}},
      cpu::conv_options<1>{.padding = {2}});
  CHECK(detail::direct_tap_share(g1) == Approx(34.0 / 40).epsilon(1e-15));
  // no padding: every tap is inside
  const auto g0 = detail::make_conv_geom(
      cpu::conv_shape<1>{.batch = 1, .in_channels = 1, .out_channels = 1, .input = {8}, .kernel = {3}},
      cpu::conv_options<1>{});
  CHECK(detail::direct_tap_share(g0) == 1.0);
}

TEST_CASE("direct_conv_pays: direct on the measured layers, im2col elsewhere, forcing wins",
          "[backend][conv][direct]") {
  using detail::conv_pass;
  const cpu::conv_options<2> dc{.stride = {2, 2}, .padding = {1, 1}};
  auto geom = [&](index_t cin, index_t cout, index_t side, index_t k, const cpu::conv_options<2>& o) {
    return detail::make_conv_geom(
        cpu::conv_shape<2>{
            .batch = 16, .in_channels = cin, .out_channels = cout, .input = {side, side}, .kernel = {k, k}},
        o);
  };
  const auto mid = geom(32, 64, 16, 4, dc);  // DCGAN discriminator 32: 8 x 8 output
  const auto first = geom(3, 32, 32, 4, dc); // its first layer: 3 input channels
  const auto wide = geom(256, 256, 64, 5, {.stride = {2, 2}, .padding = {2, 2}}); // HALO 64 -> 32
  const auto deep = geom(128, 256, 24, 4, dc); // DCGAN discriminator 96, 128 -> 256
  const auto huge_k = detail::make_conv_geom(
      cpu::conv_shape<1>{.batch = 1, .in_channels = 16, .out_channels = 16, .input = {80}, .kernel = {65}},
      cpu::conv_options<1>{});
  if (cpu::simd_avx2_fma_available()) {
    const use_wide_tiles narrow(false); // the narrow tile's rules (the wide tile's: below)
    for (auto p : {conv_pass::forward, conv_pass::data, conv_pass::weight}) {
      CHECK(detail::direct_conv_pays<float>(mid, p));
      CHECK_FALSE(detail::direct_conv_pays<float>(first, p));
    }
    // the HALO layer: im2col for both gradients; the forward (strided, 6400 rows) goes direct
    CHECK(detail::direct_conv_pays<float>(wide, conv_pass::forward));
    CHECK_FALSE(detail::direct_conv_pays<float>(wide, conv_pass::data));
    CHECK_FALSE(detail::direct_conv_pays<float>(wide, conv_pass::weight));
    // stride 1 with 400 rows: im2col; strided with 512 rows (DCGAN discriminator 96, 32 -> 64):
    // the forward goes direct, the data gradient (576 pixels, 4 % padding) stays on im2col
    const auto halo_first = geom(16, 256, 64, 5, {.stride = {1, 1}, .padding = {2, 2}});
    CHECK_FALSE(detail::direct_conv_pays<float>(halo_first, conv_pass::forward));
    const auto strided = geom(32, 64, 48, 4, dc);
    CHECK(detail::direct_conv_pays<float>(strided, conv_pass::forward));
    CHECK_FALSE(detail::direct_conv_pays<float>(strided, conv_pass::data));
    // stride 1 with 1600 rows: im2col's block of 256 columns (1.6 MiB) outgrows L2, the forward
    // goes direct; its data gradient (1024 pixels, 7 % padding) stays on im2col
    const auto deep_s1 = geom(64, 64, 32, 5, {.stride = {1, 1}, .padding = {2, 2}});
    CHECK(detail::direct_conv_pays<float>(deep_s1, conv_pass::forward));
    CHECK_FALSE(detail::direct_conv_pays<float>(deep_s1, conv_pass::data));
    CHECK(detail::direct_conv_pays<float>(deep, conv_pass::forward));
    CHECK_FALSE(detail::direct_conv_pays<float>(deep, conv_pass::weight)); // 128 input channels
  } else {
    CHECK_FALSE(detail::direct_conv_pays<float>(mid, conv_pass::forward)); // the portable tile is slower
  }
  if (cpu::simd_avx2_fma_available() && cpu::simd_avx512_available()) {
    // the wide tile: every strided product goes direct, the weight gradient from 128 input
    // channels on only while the output has <= 256 pixels per sample; stride 1 keeps the narrow
    // tile's rule; fewer channels than a wide tile keep the narrow tile (and its rules)
    REQUIRE(detail::direct_wide<float>(wide));
    CHECK(detail::direct_conv_pays<float>(wide, conv_pass::data));
    CHECK_FALSE(detail::direct_conv_pays<float>(wide, conv_pass::weight));            // 1024 pixels
    const auto halo32 = geom(256, 256, 32, 5, {.stride = {2, 2}, .padding = {2, 2}}); // 256 pixels
    CHECK(detail::direct_conv_pays<float>(halo32, conv_pass::weight));
    CHECK(detail::direct_conv_pays<float>(geom(32, 64, 48, 4, dc), conv_pass::data));
    CHECK(detail::direct_conv_pays<float>(deep, conv_pass::weight)); // 144 pixels
    const auto deep_s1 = geom(64, 64, 32, 5, {.stride = {1, 1}, .padding = {2, 2}});
    CHECK_FALSE(detail::direct_conv_pays<float>(deep_s1, conv_pass::data));
    const auto narrow16 = geom(16, 64, 48, 4, dc);
    CHECK_FALSE(detail::direct_wide<float>(narrow16));
    CHECK_FALSE(detail::direct_conv_pays<float>(narrow16, conv_pass::data)); // 576 pixels, 4 % padding
    CHECK_FALSE(detail::direct_conv_pays<float>(first, conv_pass::forward));
  }
  {
    const use_algorithm forced(cpu::conv_algorithm::direct);
    CHECK(detail::direct_conv_pays<float>(first, conv_pass::weight));
    CHECK(detail::direct_conv_pays<double>(wide, conv_pass::data));
    CHECK_FALSE(detail::direct_conv_pays<float>(huge_k, conv_pass::forward)); // kernel extent > 64
  }
  {
    const use_algorithm forced(cpu::conv_algorithm::im2col);
    CHECK_FALSE(detail::direct_conv_pays<float>(mid, conv_pass::forward));
  }
  CHECK(cpu::get_conv_algorithm() == cpu::conv_algorithm::automatic);
}
