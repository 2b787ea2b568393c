// hamgen/data/rotating_glyphs.hpp
//
// Represents: a procedural stand-in for rotating MNIST (Casale et al. 2018; used by ODE2VAE and HALO
//             App. "Rotating MNIST"): an asymmetric stroke glyph rotated by a fixed angle per frame.
// Requires:   resolution ≥ 16 (default 28, like MNIST); frames ≥ 1.
// Ensures:    six glyph classes drawn as anti-aliased polylines ("3", "F", "L", "7", "P", "4"; none has
//             a rotational symmetry), each control point jittered by U[−0.06, 0.06] (glyph units, the
//             glyph spans [−1, 1]) and the whole glyph scaled by U[0.85, 1]; the upright glyph is drawn
//             once, then frame t is the upright image rotated by θ0 + t·Δθ (θ0 ~ U[0, 2π),
//             Δθ = 22.5° = 2π/16, counter-clockwise on screen) about the image centre, by inverse
//             mapping with bilinear sampling (zero outside); one channel, white on black, uint8.
//             Labels: glyph (6 classes). Params: initial angle, angle step, glyph scale.
// Source:     the rotating-MNIST protocol (16 frames, 16 angles evenly over a turn) as summarised in
//             shared/reference/datasets.md §10; the glyph shapes are hamgen's own.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/data/dataset.hpp>
#include <hamgen/data/random.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

namespace hamgen::data {

struct rotating_glyphs_options {
  int resolution = 28;
  std::size_t frames = 16;
  double angle_step = 2.0 * std::numbers::pi / 16; ///< radians per frame (22.5°)
  bool random_initial_angle = true;
};

/// The glyph strokes: polylines in [−1, 1]² (y up), one list of polylines per class.
inline const std::vector<std::vector<std::vector<std::array<double, 2>>>>& glyph_strokes() {
  static const std::vector<std::vector<std::vector<std::array<double, 2>>>> g = {
      // "3"
      {{{-0.5, 0.7}, {-0.1, 0.85}, {0.35, 0.8}, {0.5, 0.5}, {0.35, 0.15}, {-0.1, 0.05}},
       {{0.35, 0.0}, {0.55, -0.3}, {0.4, -0.7}, {0.0, -0.85}, {-0.5, -0.7}}},
      // "F"
      {{{-0.4, -0.85}, {-0.4, 0.85}, {0.5, 0.85}}, {{-0.4, 0.05}, {0.3, 0.05}}},
      // "L"
      {{{-0.4, 0.85}, {-0.4, -0.85}, {0.5, -0.85}}},
      // "7"
      {{{-0.5, 0.85}, {0.5, 0.85}, {-0.1, -0.85}}},
      // "P"
      {{{-0.4, -0.85}, {-0.4, 0.85}, {0.25, 0.85}, {0.5, 0.6}, {0.5, 0.3}, {0.25, 0.05}, {-0.4, 0.05}}},
      // "4"
      {{{0.25, -0.85}, {0.25, 0.85}, {-0.5, -0.25}, {0.55, -0.25}}},
  };
  return g;
}

class rotating_glyphs final : public generator {
public:
  explicit rotating_glyphs(rotating_glyphs_options o) : o_(o) {
    check<value_error>(o.resolution >= 16 && o.resolution <= 1024, "rotating_glyphs: resolution ",
                       o.resolution, " outside [16, 1024]");
    check<value_error>(o.frames >= 1 && o.frames <= 100000, "rotating_glyphs: frames = ", o.frames,
                       " outside [1, 100000]");
    check<value_error>(std::isfinite(o.angle_step), "rotating_glyphs: angle step is not finite");
    auto& l = layout_;
    l.dataset = "rotating_glyphs";
    l.system = "rotating_glyphs";
    l.variant = "procedural";
    l.frames = o.frames;
    l.height = l.width = static_cast<std::size_t>(o.resolution);
    l.channels = 1;
    l.dt = o.angle_step;
    l.param_names = {"initial_angle", "angle_step", "scale"};
    l.labels = {{"glyph", static_cast<int>(glyph_strokes().size())}};
    l.extra = {{"glyphs", {"3", "F", "L", "7", "P", "4"}},
               {"angle_step_degrees", o.angle_step * 180.0 / std::numbers::pi},
               {"sampling", "bilinear, inverse-mapped, zero outside"}};
  }
  const dataset_layout& layout() const override { return layout_; }

  /// The upright glyph image (R×R, values in [0, 1]).
  std::vector<double> upright(int glyph, double scale,
                              const std::vector<std::array<double, 2>>& jitter) const {
    const int R = o_.resolution;
    const double c = (R - 1) / 2.0, unit = 0.38 * R * scale, half_width = 0.045 * R;
    std::vector<std::array<double, 4>> segs; // pixel-space segments (x0, y0, x1, y1), y down
    std::size_t j = 0;
    for (const auto& line : glyph_strokes()[static_cast<std::size_t>(glyph)]) {
      std::array<double, 2> prev{};
      for (std::size_t k = 0; k < line.size(); ++k, ++j) {
        const double gx = line[k][0] + jitter[j][0], gy = line[k][1] + jitter[j][1];
        const std::array<double, 2> pt{c + unit * gx, c - unit * gy};
        if (k > 0) segs.push_back({prev[0], prev[1], pt[0], pt[1]});
        prev = pt;
      }
    }
    std::vector<double> img(static_cast<std::size_t>(R) * static_cast<std::size_t>(R));
    for (int y = 0; y < R; ++y)
      for (int x = 0; x < R; ++x) {
        double d = 1e9;
        for (const auto& s : segs) {
          const double vx = s[2] - s[0], vy = s[3] - s[1], wx = x - s[0], wy = y - s[1];
          const double len2 = vx * vx + vy * vy;
          const double t = len2 > 0 ? std::clamp((wx * vx + wy * vy) / len2, 0.0, 1.0) : 0.0;
          d = std::min(d, std::hypot(wx - t * vx, wy - t * vy));
        }
        img[static_cast<std::size_t>(y * R + x)] = std::clamp(half_width - d + 0.5, 0.0, 1.0);
      }
    return img;
  }

  trajectory make(std::uint64_t seed, std::size_t index) const override {
    rng r(seed, index);
    trajectory tr;
    const int glyph = static_cast<int>(r.below(glyph_strokes().size()));
    std::size_t points = 0;
    for (const auto& line : glyph_strokes()[static_cast<std::size_t>(glyph)]) points += line.size();
    std::vector<std::array<double, 2>> jitter(points);
    for (auto& jt : jitter) jt = {r.uniform(-0.06, 0.06), r.uniform(-0.06, 0.06)};
    const double scale = r.uniform(0.85, 1.0);
    const double theta0 = o_.random_initial_angle ? r.uniform(0.0, 2.0 * std::numbers::pi) : 0.0;
    tr.params = {theta0, o_.angle_step, scale};
    tr.labels = {glyph};
    const std::vector<double> base = upright(glyph, scale, jitter);
    const int R = o_.resolution;
    const double c = (R - 1) / 2.0;
    const std::size_t frame = static_cast<std::size_t>(R) * static_cast<std::size_t>(R);
    tr.images.resize(o_.frames * frame);
    auto at = [&](int y, int x) {
      return (x < 0 || y < 0 || x >= R || y >= R) ? 0.0 : base[static_cast<std::size_t>(y * R + x)];
    };
    for (std::size_t t = 0; t < o_.frames; ++t) {
      const double a = theta0 + static_cast<double>(t) * o_.angle_step;
      const double ca = std::cos(a), sa = std::sin(a);
      for (int y = 0; y < R; ++y)
        for (int x = 0; x < R; ++x) {
          // output pixel rotated back by −a (screen y points down, so "counter-clockwise" flips sin)
          const double dx = x - c, dy = y - c;
          const double sx = c + ca * dx - sa * dy, sy = c + sa * dx + ca * dy;
          const int x0 = static_cast<int>(std::floor(sx)), y0 = static_cast<int>(std::floor(sy));
          const double fx = sx - x0, fy = sy - y0;
          const double v = (1 - fx) * (1 - fy) * at(y0, x0) + fx * (1 - fy) * at(y0, x0 + 1) +
                           (1 - fx) * fy * at(y0 + 1, x0) + fx * fy * at(y0 + 1, x0 + 1);
          tr.images[t * frame + static_cast<std::size_t>(y * R + x)] =
              static_cast<std::uint8_t>(std::clamp(v, 0.0, 1.0) * 255.0);
        }
    }
    return tr;
  }

private:
  rotating_glyphs_options o_;
  dataset_layout layout_;
};

} // namespace hamgen::data
