#include <hamgen/data/sprites.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace hamgen::data;

namespace {
struct blob {
  double cx = 0, cy = 0, area = 0;
};
// centroid and area of the pixels that differ from the corner (background) colour
blob measure(const std::vector<std::uint8_t>& img, std::size_t f, int R) {
  const std::uint8_t* p = img.data() + f * static_cast<std::size_t>(R * R * 3);
  blob b;
  for (int y = 0; y < R; ++y)
    for (int x = 0; x < R; ++x) {
      const std::uint8_t* q = p + (y * R + x) * 3;
      const int d = std::abs(q[0] - p[0]) + std::abs(q[1] - p[1]) + std::abs(q[2] - p[2]);
      if (d > 30) {
        b.cx += x;
        b.cy += y;
        b.area += 1;
      }
    }
  b.cx /= b.area;
  b.cy /= b.area;
  return b;
}
} // namespace

TEST_CASE("sprites: labels for action and every attribute; the motion is the action", "[data][halo]") {
  sprites g({});
  const auto& l = g.layout();
  CHECK(l.height == 64);
  CHECK(l.channels == 3);
  CHECK(l.frames == 8);
  REQUIRE(l.labels.size() == 5);
  CHECK(l.labels[0].name == "action");
  CHECK(l.labels[0].classes >= 3);
  std::vector<std::vector<int>> seen(5);
  for (std::size_t k = 0; k < 5; ++k) seen[k].assign(static_cast<std::size_t>(l.labels[k].classes), 0);
  for (std::size_t n = 0; n < 120; ++n) {
    const auto t = g.make(4, n);
    check_trajectory(l, t);
    for (std::size_t k = 0; k < 5; ++k) {
      REQUIRE((t.labels[k] >= 0 && t.labels[k] < l.labels[k].classes));
      seen[k][static_cast<std::size_t>(t.labels[k])]++;
    }
    const std::size_t frame = 64 * 64 * 3;
    // periodic: first frame == last frame (up to rounding of the phase)
    int diff = 0;
    for (std::size_t i = 0; i < frame; ++i)
      diff = std::max(diff, std::abs(t.images[i] - t.images[7 * frame + i]));
    CHECK(diff <= 2);
    double xmin = 1e9, xmax = -1e9, ymin = 1e9, ymax = -1e9, amin = 1e9, amax = 0;
    for (std::size_t f = 0; f < 8; ++f) {
      const blob b = measure(t.images, f, 64);
      xmin = std::min(xmin, b.cx);
      xmax = std::max(xmax, b.cx);
      ymin = std::min(ymin, b.cy);
      ymax = std::max(ymax, b.cy);
      amin = std::min(amin, b.area);
      amax = std::max(amax, b.area);
    }
    INFO("action " << t.labels[0] << " shape " << t.labels[1]);
    switch (t.labels[0]) {
    case 0: // orbit: moves in both directions
      CHECK(xmax - xmin > 10);
      CHECK(ymax - ymin > 10);
      break;
    case 1: // horizontal oscillation
      CHECK(xmax - xmin > 10);
      CHECK(ymax - ymin < 1);
      break;
    case 2: // vertical bounce
      CHECK(xmax - xmin < 1);
      CHECK(ymax - ymin > 8);
      break;
    default: // pulsing scale: stays put, area changes
      CHECK(xmax - xmin < 2);
      CHECK(ymax - ymin < 2);
      CHECK(amax > 1.5 * amin);
      break;
    }
  }
  for (const auto& s : seen)
    for (int c : s) CHECK(c > 0);
  CHECK_THROWS_AS(sprites({.frames = 4}), hamgen::value_error);
}
