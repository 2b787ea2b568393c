#include <hamgen/data/rotating_balls.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace hamgen::data;

TEST_CASE("rotating balls: the ball's pixel coordinates are an exact rotation (H = (i^2 + j^2)/2)",
          "[data][halo]") {
  rotating_balls g({});
  const auto& l = g.layout();
  CHECK(l.frames == 16);
  CHECK(l.height == 32);
  CHECK(l.channels == 3);
  int red = 0, blue = 0;
  for (std::size_t n = 0; n < 40; ++n) {
    const auto t = g.make(9, n);
    check_trajectory(l, t);
    const double rho = t.params[0], s = t.params[2];
    CHECK((rho >= 5 && rho <= 12));
    CHECK(t.labels[0] == static_cast<int>(n % 2));
    CHECK(t.labels[1] == (s > 0 ? 0 : 1));
    (t.labels[0] == 0 ? red : blue)++;
    for (std::size_t f = 0; f < 16; ++f) {
      const double q = t.x[2 * f], p = t.x[2 * f + 1];
      CHECK(0.5 * (q * q + p * p) == Approx(0.5 * rho * rho).epsilon(1e-12));
      CHECK(t.dx_dt[2 * f] == Approx(s * p).margin(1e-12));
      CHECK(t.dx_dt[2 * f + 1] == Approx(-s * q).margin(1e-12));
      if (f + 1 < 16) { // one frame = a rotation by s·2π/16 of (q, p): the exact flow for time dt
        const double a = s * l.dt, q1 = t.x[2 * f + 2], p1 = t.x[2 * f + 3];
        CHECK(q1 == Approx(q * std::cos(a) + p * std::sin(a)).margin(1e-9));
        CHECK(p1 == Approx(p * std::cos(a) - q * std::sin(a)).margin(1e-9));
      }
      // the brightest pixel in the ball's colour channel sits at (row, col) = (15.5 + q, 15.5 + p)
      const std::size_t ch = t.labels[0] == 0 ? 0 : 2;
      int best = -1;
      double br = 0, bc = 0;
      for (int row = 0; row < 32; ++row)
        for (int col = 0; col < 32; ++col) {
          const int v = t.images[f * 3072 + static_cast<std::size_t>(row * 32 + col) * 3 + ch];
          const double d = std::hypot(row - 15.5 - q, col - 15.5 - p);
          if (v > best || (v == best && d < std::hypot(br - 15.5 - q, bc - 15.5 - p))) {
            best = v;
            br = row;
            bc = col;
          }
        }
      CHECK(std::hypot(br - 15.5 - q, bc - 15.5 - p) < 0.75);
      CHECK(best >= 250);
    }
  }
  CHECK(red == 20);
  CHECK(blue == 20);
  CHECK_THROWS_AS(rotating_balls({.orbit_max = 14.0}), hamgen::value_error);
}
