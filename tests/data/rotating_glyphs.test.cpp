#include <hamgen/data/rotating_glyphs.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace hamgen::data;

TEST_CASE("rotating glyphs: 22.5 degrees per frame, four frames are an exact quarter turn", "[data][halo]") {
  rotating_glyphs g({});
  const auto& l = g.layout();
  CHECK(l.height == 28);
  CHECK(l.channels == 1);
  CHECK(l.dt == Approx(3.141592653589793 / 8));
  const int R = 28;
  std::vector<int> seen(6, 0);
  for (std::size_t n = 0; n < 24; ++n) {
    const auto t = g.make(2, n);
    check_trajectory(l, t);
    REQUIRE((t.labels[0] >= 0 && t.labels[0] < 6));
    seen[static_cast<std::size_t>(t.labels[0])]++;
    auto px = [&](std::size_t f, int y, int x) {
      return static_cast<int>(t.images[f * R * R + static_cast<std::size_t>(y * R + x)]);
    };
    // frame 4 is frame 0 turned a quarter counter-clockwise on screen: out(y, x) = in(x, R-1-y)
    int worst = 0, ink = 0, asym = 0;
    for (int y = 0; y < R; ++y)
      for (int x = 0; x < R; ++x) {
        worst = std::max(worst, std::abs(px(4, y, x) - px(0, x, R - 1 - y)));
        ink += px(0, y, x) > 128;
        asym += std::abs(px(0, y, x) - px(0, R - 1 - y, R - 1 - x)); // vs a half turn
      }
    CHECK(worst <= 1);
    CHECK(ink > 20);        // something is drawn
    CHECK(asym > 255 * 10); // and it is not symmetric under a half turn
    // the ink stays inside the image under rotation (nothing on the border)
    for (std::size_t f = 0; f < 16; ++f)
      for (int k = 0; k < R; ++k) CHECK(px(f, 0, k) + px(f, R - 1, k) + px(f, k, 0) + px(f, k, R - 1) == 0);
  }
  for (int c : seen) CHECK(c > 0);
}
