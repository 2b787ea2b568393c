#include <hamgen/data/render.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace hamgen::data;

namespace {
int px(const std::vector<std::uint8_t>& img, int R, int C, int row, int col, int ch) {
  return img[static_cast<std::size_t>((row * R + col) * C + ch)];
}
} // namespace

TEST_CASE("render: empty canvas is the suite background (81, 88, 93) by truncation", "[data][render]") {
  const auto img = render_frame({}, -1.0, 1.0);
  REQUIRE(img.size() == 32 * 32 * 3);
  for (int i = 0; i < 32 * 32; ++i) {
    CHECK(img[static_cast<std::size_t>(3 * i)] == 81);
    CHECK(img[static_cast<std::size_t>(3 * i + 1)] == 88);
    CHECK(img[static_cast<std::size_t>(3 * i + 2)] == 93);
  }
  const auto gray = render_frame({}, -1.0, 1.0, {.resolution = 64, .grayscale = true});
  REQUIRE(gray.size() == 64 * 64);
  CHECK(gray[0] == 93);
}

TEST_CASE("render: hue colours are the suite's", "[data][render]") {
  CHECK(hue_colour(0, 1) == rgb{1, 0, 0});
  CHECK(hue_colour(1, 2) == rgb{0, 1, 1});
  const rgb six[6] = {{1, 0, 0}, {1, 1, 0}, {0, 1, 0}, {0, 1, 1}, {0, 0, 1}, {1, 0, 1}};
  for (int c = 0; c < 6; ++c)
    for (int k = 0; k < 3; ++k)
      CHECK(hue_colour(c, 6)[static_cast<std::size_t>(k)] ==
            Approx(six[c][static_cast<std::size_t>(k)]).margin(1e-12));
  CHECK_THROWS_AS(hue_colour(6, 6), hamgen::value_error);
}

TEST_CASE("render: a ball at a known world position lights the expected pixels", "[data][render]") {
  // canvas [-1, 1], 32 px: pixel centres at -1 + 2k/31; put the ball on pixel (row 5, column 20)
  const double lo = -1, hi = 1, x = lo + 2.0 * 20 / 31, y = lo + 2.0 * 5 / 31, r = 0.3;
  const particle p{.x = x, .y = y, .radius = r, .colour = {0, 0, 1}};
  const auto img = render_frame(std::span<const particle>(&p, 1), lo, hi);
  // independent evaluation of the suite's formula at a few pixels
  auto expect = [&](int row, int col, int ch) {
    const double u = col / 31.0, v = row / 31.0, cu = (x - lo) / 2, cv = (y - lo) / 2;
    const double d = std::hypot(u - cu, v - cv);
    const double m = 1.0 / (1.0 + std::exp(80.0 * (d - r / 2)));
    const double bg[3] = {0.321, 0.349, 0.368}, col3[3] = {0, 0, 1};
    return static_cast<int>(255.0 * (m * col3[ch] + (1 - m) * bg[ch]));
  };
  for (int row : {0, 3, 5, 7, 9, 26})
    for (int col : {14, 18, 20, 22, 31})
      for (int ch = 0; ch < 3; ++ch) CHECK(px(img, 32, 3, row, col, ch) == expect(row, col, ch));
  // centre pixel is (nearly) pure blue, the mirror row (physics "up") is background: rows follow y downward
  CHECK(px(img, 32, 3, 5, 20, 2) == 254);
  CHECK(px(img, 32, 3, 5, 20, 0) == 0);
  CHECK(px(img, 32, 3, 26, 20, 2) == 93);
  // the disc edge: radius 0.3 world = 0.15 canvas = 4.65 px; 4 px away is inside, 6 px outside
  CHECK(px(img, 32, 3, 5, 24, 2) > 200);
  CHECK(px(img, 32, 3, 5, 26, 2) < 100);
}

TEST_CASE("render: a pendulum at rest appears near row 4 (the suite's raw orientation)", "[data][render]") {
  const double half = 1.0 + std::sqrt(0.5 / 3.141592653589793); // constant pendulum canvas bounds
  const particle bob{.x = 0.0, .y = -1.0, .radius = std::sqrt(0.5 / 3.141592653589793)};
  const auto img = render_frame(std::span<const particle>(&bob, 1), -half, half);
  // intensity-weighted row centroid of the red channel above background: 31·(−1 + half)/(2·half) ≈ 4.42
  double wsum = 0, rsum = 0;
  for (int row = 0; row < 32; ++row)
    for (int col = 0; col < 32; ++col) {
      const double w = px(img, 32, 3, row, col, 0) - 81.0;
      wsum += w;
      rsum += w * row;
    }
  CHECK(rsum / wsum == Approx(31.0 * (half - 1.0) / (2 * half)).margin(0.05));
  CHECK(px(img, 32, 3, 4, 15, 0) > 250);
  CHECK(px(img, 32, 3, 27, 15, 0) == 81);
}

TEST_CASE("render: front-to-back compositing puts particle 0 on top; grayscale is the channel max",
          "[data][render]") {
  const particle ps[2] = {{.x = 0, .y = 0, .radius = 0.4, .colour = {1, 0, 0}},
                          {.x = 0, .y = 0, .radius = 0.4, .colour = {0, 1, 0}}};
  const auto img = render_frame(ps, -1, 1, {.resolution = 33});
  const int c = 16;
  CHECK(px(img, 33, 3, c, c, 0) >= 254);
  CHECK(px(img, 33, 3, c, c, 1) == 0);
  const auto g = render_frame(ps, -1, 1, {.resolution = 33, .grayscale = true});
  CHECK(static_cast<int>(g[static_cast<std::size_t>(c * 33 + c)]) == px(img, 33, 3, c, c, 0));
  CHECK_THROWS_AS(render_frame(ps, 1, 1), hamgen::value_error);
  CHECK_THROWS_AS(render_frame(ps, -1, 1, {.resolution = 1}), hamgen::value_error);
}

TEST_CASE("render: pixel pitch (hi - lo)/(R - 1) at 32, 64 and 96 pixels", "[data][render]") {
  for (int R : {32, 64, 96}) {
    INFO("R = " << R);
    const int row = R / 5, col = 2 * R / 3;
    const double lo = -2, hi = 2, pitch = (hi - lo) / (R - 1);
    // a small ball (radius 1.5 pitches) centred on pixel (row, col)
    const particle p{
        .x = lo + col * pitch, .y = lo + row * pitch, .radius = 1.5 * pitch, .colour = {0, 1, 0}};
    const auto img = render_frame(std::span<const particle>(&p, 1), lo, hi, {.resolution = R});
    int best = -1, br = -1, bc = -1;
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < R; ++j)
        if (px(img, R, 3, i, j, 1) > best) {
          best = px(img, R, 3, i, j, 1);
          br = i;
          bc = j;
        }
    CHECK(br == row);
    CHECK(bc == col);
    CHECK(px(img, R, 3, R - 1 - row, col, 1) == 88); // the vertically mirrored pixel is background
  }
}
