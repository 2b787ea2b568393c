// hamgen/data/sprites.hpp
//
// Represents: action-labelled synthetic sprites, hamgen's stand-in for the Sprites and MUG sequences of
//             HALO (Khan et al.): a character (shape × colour × size on a background) performing one
//             of four periodic motions, with a label for the action and for every content attribute.
// Requires:   resolution ≥ 32 (default 64), 8 ≤ frames ≤ 16 (default 8).
// Ensures:    actions (label "action"): 0 orbit (circle of radius 0.22 R about the centre),
//             1 horizontal oscillation (amplitude 0.25 R), 2 vertical bounce (|sin| hops of 0.35 R up
//             from a floor), 3 pulsing scale (size × (1 + 0.35 sin)); the phase advances by
//             2π/(T − 1) per frame from a random φ0, so the first and last frames are identical (as in
//             HALO's periodic Sprites clips); content: shape (6: disc, square, triangle, diamond, cross,
//             ring), colour (6 hues), size (3: half-extent 0.09, 0.12, 0.15 R), background (3 greys);
//             each character is filled and outlined with anti-aliased signed-distance coverage;
//             images RGB uint8 (truncation). Labels: action, shape, colour, size, background.
//             Params: φ0. The content never depends on the action and vice versa (independent draws).
// Source:     HALO §4 (Sprites: 64×64×3, 8-frame periodic clips, attribute labels for identity
//             accuracy; actions for the action classifier); shapes and motions are hamgen's own.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/data/dataset.hpp>
#include <hamgen/data/random.hpp>
#include <hamgen/data/render.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace hamgen::data {

struct sprites_options {
  int resolution = 64;
  std::size_t frames = 8;
};

inline constexpr int sprite_actions = 4, sprite_shapes = 6, sprite_colours = 6, sprite_sizes = 3,
                     sprite_backgrounds = 3;

namespace detail {

/// Signed distance (negative inside) of shape `s` with half-extent `e` at local point (x, y) (y down).
inline double sprite_sdf(int s, double x, double y, double e) {
  auto box = [](double px, double py, double bx, double by) {
    const double qx = std::abs(px) - bx, qy = std::abs(py) - by;
    return std::hypot(std::max(qx, 0.0), std::max(qy, 0.0)) + std::min(std::max(qx, qy), 0.0);
  };
  switch (s) {
  case 0: // disc
    return std::hypot(x, y) - e;
  case 1: // square
    return box(x, y, 0.85 * e, 0.85 * e);
  case 2: { // triangle pointing up: intersection of three half-planes
    const double k = std::sqrt(3.0);
    const double yy = y - 0.2 * e;                   // centre the triangle's bounding box
    const double d1 = yy - 0.6 * e;                  // bottom edge
    const double d2 = (k * x - yy - 1.2 * e) / 2.0;  // right edge
    const double d3 = (-k * x - yy - 1.2 * e) / 2.0; // left edge
    return std::max({d1, d2, d3});
  }
  case 3: // diamond
    return (std::abs(x) + std::abs(y) - e) / std::sqrt(2.0);
  case 4: // cross
    return std::min(box(x, y, e, 0.33 * e), box(x, y, 0.33 * e, e));
  default: // ring
    return std::abs(std::hypot(x, y) - 0.7 * e) - 0.3 * e;
  }
}

} // namespace detail

class sprites final : public generator {
public:
  explicit sprites(sprites_options o) : o_(o) {
    check<value_error>(o.resolution >= 32 && o.resolution <= 1024, "sprites: resolution ", o.resolution,
                       " outside [32, 1024]");
    check<value_error>(o.frames >= 8 && o.frames <= 16, "sprites: frames = ", o.frames, " outside [8, 16]");
    auto& l = layout_;
    l.dataset = "sprites";
    l.system = "sprites";
    l.variant = "synthetic";
    l.frames = o.frames;
    l.height = l.width = static_cast<std::size_t>(o.resolution);
    l.channels = 3;
    l.dt = 1.0;
    l.param_names = {"phase"};
    l.labels = {{"action", sprite_actions},
                {"shape", sprite_shapes},
                {"colour", sprite_colours},
                {"size", sprite_sizes},
                {"background", sprite_backgrounds}};
    l.extra = {{"actions", {"orbit", "horizontal_oscillation", "vertical_bounce", "pulsing_scale"}},
               {"shapes", {"disc", "square", "triangle", "diamond", "cross", "ring"}},
               {"colours", {"red", "yellow", "green", "cyan", "blue", "magenta"}},
               {"sizes", {"small", "medium", "large"}},
               {"backgrounds", {"suite_grey", "dark", "light"}},
               {"periodic", "frame 0 equals frame T-1"}};
  }
  const dataset_layout& layout() const override { return layout_; }

  trajectory make(std::uint64_t seed, std::size_t index) const override {
    rng r(seed, index);
    trajectory tr;
    const int action = static_cast<int>(r.below(sprite_actions));
    const int shape = static_cast<int>(r.below(sprite_shapes));
    const int colour = static_cast<int>(r.below(sprite_colours));
    const int size = static_cast<int>(r.below(sprite_sizes));
    const int bg = static_cast<int>(r.below(sprite_backgrounds));
    const double phi0 = r.uniform(0.0, 2.0 * std::numbers::pi);
    tr.labels = {action, shape, colour, size, bg};
    tr.params = {phi0};
    const int R = o_.resolution;
    const double c = (R - 1) / 2.0, e0 = (0.09 + 0.03 * size) * R;
    const rgb fill = hsv_to_rgb(static_cast<double>(colour) / sprite_colours, 0.85, 0.95);
    const rgb outline{0.08, 0.08, 0.1};
    static constexpr std::array<rgb, 3> backgrounds{suite_background, rgb{0.12, 0.13, 0.16},
                                                    rgb{0.72, 0.74, 0.7}};
    const rgb back = backgrounds[static_cast<std::size_t>(bg)];
    const std::size_t frame = static_cast<std::size_t>(R) * static_cast<std::size_t>(R) * 3;
    tr.images.resize(o_.frames * frame);
    const double outline_px = std::max(1.0, R / 40.0);
    for (std::size_t t = 0; t < o_.frames; ++t) {
      const double phi =
          phi0 + 2.0 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(o_.frames - 1);
      double cx = c, cy = c, e = e0;
      switch (action) {
      case 0:
        cx = c + 0.22 * R * std::cos(phi);
        cy = c + 0.22 * R * std::sin(phi);
        break;
      case 1:
        cx = c + 0.25 * R * std::sin(phi);
        break;
      case 2:
        cy = c + 0.2 * R - 0.35 * R * std::abs(std::sin(phi / 2.0));
        break;
      default:
        e = e0 * (1.0 + 0.35 * std::sin(phi));
        break;
      }
      std::uint8_t* img = tr.images.data() + t * frame;
      for (int y = 0; y < R; ++y)
        for (int x = 0; x < R; ++x) {
          const double d = detail::sprite_sdf(shape, x - cx, y - cy, e);
          const double a_fill = std::clamp(0.5 - (d + outline_px), 0.0, 1.0);
          const double a_all = std::clamp(0.5 - d, 0.0, 1.0);
          std::uint8_t* px =
              img +
              (static_cast<std::size_t>(y) * static_cast<std::size_t>(R) + static_cast<std::size_t>(x)) * 3;
          for (std::size_t k = 0; k < 3; ++k) {
            const double v = back[k] * (1 - a_all) + outline[k] * (a_all - a_fill) + fill[k] * a_fill;
            px[k] = static_cast<std::uint8_t>(std::clamp(v, 0.0, 1.0) * 255.0);
          }
        }
    }
    return tr;
  }

private:
  sprites_options o_;
  dataset_layout layout_;
};

} // namespace hamgen::data
