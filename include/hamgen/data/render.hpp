// hamgen/data/render.hpp
//
// Represents: the DeepMind Hamiltonian Dynamics Suite's particle renderer (soft discs on a grey
//             background) and the colour helpers the datasets share.
// Requires:   resolution R >= 2; a square canvas box [lo, hi] (same for x and y), hi > lo.
// Ensures:    pixel (row i, column j) sits at unit coordinates (u, v) = (j/(R-1), i/(R-1)), so the
//             canvas bounds fall on the centres of the first and last pixels (R-1 pitches across);
//             columns follow world x and rows follow world y *increasing down the array* (row 0 is
//             y = lo: the suite's raw orientation, flip rows for a physics-up display);
//             each disc's mask is m = 1/(1 + exp(T·(d − ρ))), T = 80, d and ρ in unit-canvas lengths;
//             front-to-back compositing (particle 0 on top), remaining coverage times the background
//             (0.321, 0.349, 0.368); output = uint8(255·value) by truncation, H×W×C interleaved;
//             grayscale (C = 1) is the per-pixel maximum over the RGB values before truncation.
// Source:     dm_hamiltonian_dynamics_suite, hamiltonian_systems/utils.py render_particles_trajectory
//             (as summarised in shared/reference/datasets.md §3); colours are hues c/K at full
//             saturation and value (HSV → RGB).
#pragma once

#include <hamgen/core/error.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace hamgen::data {

using rgb = std::array<double, 3>;

/// The suite's background colour (uint8 (81, 88, 93) after truncation).
inline constexpr rgb suite_background{0.321, 0.349, 0.368};

/// HSV (h in [0,1), s, v in [0,1]) to RGB in [0,1].
inline rgb hsv_to_rgb(double h, double s, double v) {
  h = h - std::floor(h);
  const double h6 = h * 6.0;
  const int i = static_cast<int>(h6) % 6;
  const double f = h6 - std::floor(h6);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  switch (i) {
  case 0:
    return {v, t, p};
  case 1:
    return {q, v, p};
  case 2:
    return {p, v, t};
  case 3:
    return {p, q, v};
  case 4:
    return {t, p, v};
  default:
    return {v, p, q};
  }
}

/// Colour index c of K: hue c/K, saturation = value = 1 (K = 2: red, cyan; K = 6: red, yellow, green,
/// cyan, blue, magenta).
inline rgb hue_colour(int c, int num_colours) {
  check<value_error>(num_colours >= 1 && c >= 0 && c < num_colours, "hue_colour: colour index ", c,
                     " outside [0, ", num_colours, ")");
  return hsv_to_rgb(static_cast<double>(c) / num_colours, 1.0, 1.0);
}

/// One disc to draw: world position, world radius, colour.
struct particle {
  double x = 0, y = 0, radius = 0;
  rgb colour{1, 0, 0};
};

struct render_options {
  int resolution = 32;       ///< R: image is R×R
  bool grayscale = false;    ///< C = 1 (channel max) instead of C = 3
  double temperature = 80.0; ///< mask sharpness in 1/(unit-canvas length)
  rgb background = suite_background;
  int channels() const { return grayscale ? 1 : 3; }
};

inline void check_render_options(const render_options& o) {
  check<value_error>(o.resolution >= 2 && o.resolution <= 4096, "render: resolution ", o.resolution,
                     " outside [2, 4096]");
  check<value_error>(o.temperature > 0 && std::isfinite(o.temperature), "render: temperature ", o.temperature,
                     " must be positive");
}

/// Renders one frame into `out` (R·R·C bytes). Particles in `ps` are drawn front to back.
inline void render_frame(std::span<const particle> ps, double lo, double hi, const render_options& o,
                         std::uint8_t* out) {
  check<value_error>(hi > lo, "render_frame: canvas [", lo, ", ", hi, "] is empty");
  const int R = o.resolution;
  const double inv = 1.0 / (hi - lo), pitch = 1.0 / (R - 1);
  // per-particle unit-canvas centre and radius; per-pixel work in a small fixed buffer
  constexpr std::size_t max_particles = 8;
  check<value_error>(ps.size() <= max_particles, "render_frame: ", ps.size(), " particles (at most ",
                     max_particles, ")");
  std::array<double, max_particles> cu{}, cv{}, rho{};
  for (std::size_t k = 0; k < ps.size(); ++k) {
    cu[k] = (ps[k].x - lo) * inv;
    cv[k] = (ps[k].y - lo) * inv;
    rho[k] = ps[k].radius * inv;
  }
  const std::size_t C = static_cast<std::size_t>(o.channels());
  for (int i = 0; i < R; ++i) {
    const double v = i * pitch;
    for (int j = 0; j < R; ++j) {
      const double u = j * pitch;
      double cover = 1.0, r = 0, g = 0, b = 0;
      for (std::size_t k = 0; k < ps.size(); ++k) {
        const double du = u - cu[k], dv = v - cv[k];
        const double d = std::sqrt(du * du + dv * dv);
        const double m = 1.0 / (1.0 + std::exp(o.temperature * (d - rho[k])));
        const double w = cover * m;
        r += w * ps[k].colour[0];
        g += w * ps[k].colour[1];
        b += w * ps[k].colour[2];
        cover *= 1.0 - m;
      }
      r += cover * o.background[0];
      g += cover * o.background[1];
      b += cover * o.background[2];
      std::uint8_t* px =
          out + (static_cast<std::size_t>(i) * static_cast<std::size_t>(R) + static_cast<std::size_t>(j)) * C;
      auto to8 = [](double x) { return static_cast<std::uint8_t>(std::clamp(x, 0.0, 1.0) * 255.0); };
      if (C == 1) {
        px[0] = to8(std::max({r, g, b}));
      } else {
        px[0] = to8(r);
        px[1] = to8(g);
        px[2] = to8(b);
      }
    }
  }
}

/// Convenience: renders one frame and returns it (R·R·C bytes).
inline std::vector<std::uint8_t> render_frame(std::span<const particle> ps, double lo, double hi,
                                              const render_options& o = {}) {
  check_render_options(o);
  std::vector<std::uint8_t> img(static_cast<std::size_t>(o.resolution) *
                                static_cast<std::size_t>(o.resolution) *
                                static_cast<std::size_t>(o.channels()));
  render_frame(ps, lo, hi, o, img.data());
  return img;
}

} // namespace hamgen::data
