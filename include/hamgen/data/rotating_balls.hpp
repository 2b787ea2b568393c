// hamgen/data/rotating_balls.hpp
//
// Represents: HALO's "rotating balls" (Khan et al., HALO, §4 and Fig. 1): a ball whose centre (i, j),
//             in pixels relative to the image centre, moves on the circle i² + j² = c; the ball's
//             colour (red or blue) is the content.
// Requires:   resolution ≥ 8; 0 < orbit radius range; the orbit plus the ball stays inside the image.
// Ensures:    per sequence: orbit radius ρ ~ U[5, 12] px (scaled with the resolution from 32),
//             phase φ ~ U[0, 2π), direction s = ±1 (equal odds), colour = red for even indices and
//             blue for odd ones (exactly half each); frame t has
//               q = i = ρ sin(φ + s·t·ω),  p = j = ρ cos(φ + s·t·ω),  ω = 2π/16 per frame,
//             i.e. (q, p) is the exact flow of H = s (q² + p²)/2 with dt = ω, stored as x = [q, p] and
//             dx_dt = s·(p, −q); the ball (radius 3 px, the suite's soft-disc mask) is drawn at
//             row = c + i, column = c + j, c = (R − 1)/2, on the suite's grey background.
//             Labels: colour (0 red, 1 blue), direction (0: s = +1, 1: s = −1).
// Source:     HALO paper §4 "Rotating Balls" (32×32, length 16, red/blue content); the parameters not
//             given there follow the proposal in shared/reference/datasets.md §9.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/data/dataset.hpp>
#include <hamgen/data/random.hpp>
#include <hamgen/data/render.hpp>

#include <cmath>
#include <numbers>

namespace hamgen::data {

struct rotating_balls_options {
  int resolution = 32;
  std::size_t frames = 16;
  double ball_radius = 3.0;                        ///< pixels at 32×32 (scaled with the resolution)
  double orbit_min = 5.0, orbit_max = 12.0;        ///< pixels at 32×32 (scaled with the resolution)
  double angle_step = 2.0 * std::numbers::pi / 16; ///< radians per frame
  bool random_direction = true;
  bool grayscale = false;
};

class rotating_balls final : public generator {
public:
  explicit rotating_balls(rotating_balls_options o) : o_(o) {
    check<value_error>(o.resolution >= 8 && o.resolution <= 1024, "rotating_balls: resolution ", o.resolution,
                       " outside [8, 1024]");
    check<value_error>(o.frames >= 1 && o.frames <= 100000, "rotating_balls: frames = ", o.frames,
                       " outside [1, 100000]");
    check<value_error>(o.orbit_min > 0 && o.orbit_max >= o.orbit_min && o.ball_radius > 0,
                       "rotating_balls: orbit range [", o.orbit_min, ", ", o.orbit_max, "] and ball radius ",
                       o.ball_radius, " must be positive");
    check<value_error>(o.orbit_max + o.ball_radius <= 15.5, "rotating_balls: orbit ", o.orbit_max, " + ball ",
                       o.ball_radius, " px leaves the 32-px image");
    check<value_error>(o.angle_step > 0 && std::isfinite(o.angle_step),
                       "rotating_balls: angle step must be positive");
    scale_ = (o.resolution - 1) / 31.0;
    auto& l = layout_;
    l.dataset = "rotating_balls";
    l.system = "rotating_balls";
    l.variant = "red_blue";
    l.frames = o.frames;
    l.height = l.width = static_cast<std::size_t>(o.resolution);
    l.channels = o.grayscale ? 1 : 3;
    l.state_dim = 2;
    l.objects = 1;
    l.dt = o.angle_step;
    l.param_names = {"orbit_radius", "phase", "direction"};
    l.labels = {{"colour", 2}, {"direction", 2}};
    l.extra = {{"ball_radius_px", o.ball_radius * scale_},
               {"orbit_radius_px", {o.orbit_min * scale_, o.orbit_max * scale_}},
               {"angle_step", o.angle_step},
               {"hamiltonian", "H = s (q^2 + p^2)/2, q = row - c, p = column - c, c = (R-1)/2"},
               {"colours", {"red", "blue"}}};
  }
  const dataset_layout& layout() const override { return layout_; }

  trajectory make(std::uint64_t seed, std::size_t index) const override {
    rng r(seed, index);
    trajectory tr;
    const double rho = r.uniform(o_.orbit_min, o_.orbit_max) * scale_;
    const double phase = r.uniform(0.0, 2.0 * std::numbers::pi);
    const double s = o_.random_direction && r.coin() ? -1.0 : 1.0;
    const int colour = static_cast<int>(index % 2);
    tr.params = {rho, phase, s};
    tr.labels = {colour, s > 0 ? 0 : 1};
    tr.colours = {colour};
    const double c = (o_.resolution - 1) / 2.0;
    const std::size_t frame = layout_.height * layout_.width * layout_.channels;
    tr.images.resize(o_.frames * frame);
    tr.x.resize(o_.frames * 2);
    tr.dx_dt.resize(o_.frames * 2);
    const rgb col = colour == 0 ? rgb{1, 0, 0} : rgb{0, 0, 1};
    render_options ro{.resolution = o_.resolution, .grayscale = o_.grayscale};
    for (std::size_t t = 0; t < o_.frames; ++t) {
      const double a = phase + s * static_cast<double>(t) * o_.angle_step;
      const double q = rho * std::sin(a), p = rho * std::cos(a);
      tr.x[2 * t] = q;
      tr.x[2 * t + 1] = p;
      tr.dx_dt[2 * t] = s * p;
      tr.dx_dt[2 * t + 1] = -s * q;
      // world = pixel coordinates: x = column, y = row, canvas [0, R−1]
      const particle ball{.x = c + p, .y = c + q, .radius = o_.ball_radius * scale_, .colour = col};
      render_frame(std::span<const particle>(&ball, 1), 0.0, o_.resolution - 1.0, ro,
                   tr.images.data() + t * frame);
    }
    return tr;
  }

private:
  rotating_balls_options o_;
  dataset_layout layout_;
  double scale_ = 1;
};

} // namespace hamgen::data
