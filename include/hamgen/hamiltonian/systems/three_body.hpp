// hamgen/hamiltonian/systems/three_body.hpp
//
// Represents: the planar three-body problem, ham::three_body = planar_n_body<3>
//             (q = (x1, y1, x2, y2, x3, y3), p likewise).
// Requires:   see n_body.hpp.
// Ensures:    three_body_equilateral(r, phase) is Lagrange's equilateral solution for m = g = 1:
//             bodies on a circle of radius r, 120° apart, moving counter-clockwise with speed
//             v = (1/√3)^{1/2} / √r (≈ 0.7598/√r, the speed factor of the suite's ThreeBody2DSystem and
//             of HGN, datasets.md §4.5, but with the velocity truly tangential), so the triangle rotates
//             rigidly with ω = v / r; three_body_equilateral_exact(r, phase, t) is the state at time t.
#pragma once

#include <hamgen/hamiltonian/systems/n_body.hpp>

#include <cmath>
#include <numbers>
#include <utility>

namespace hamgen::ham {

using three_body = planar_n_body<3>;
using three_body_state = Eigen::Vector<double, 6>;

/// Lagrange's rigidly rotating equilateral triangle, body 0 at angle `phase`, m = g = 1.
inline std::pair<three_body_state, three_body_state> three_body_equilateral(double r, double phase = 0.0) {
  HAMGEN_CHECK(r > 0 && std::isfinite(r), "three_body_equilateral: radius must be positive (", r, ")");
  const double v = std::sqrt(1.0 / std::sqrt(3.0)) / std::sqrt(r);
  three_body_state q, p;
  for (int i = 0; i < 3; ++i) {
    const double a = phase + 2.0 * std::numbers::pi * i / 3.0;
    q(2 * i) = r * std::cos(a);
    q(2 * i + 1) = r * std::sin(a);
    p(2 * i) = -v * std::sin(a);
    p(2 * i + 1) = v * std::cos(a);
  }
  return {q, p};
}

/// The exact state at time t of the orbit started by three_body_equilateral(r, phase).
inline std::pair<three_body_state, three_body_state> three_body_equilateral_exact(double r, double phase,
                                                                                  double t) {
  const double v = std::sqrt(1.0 / std::sqrt(3.0)) / std::sqrt(r);
  return three_body_equilateral(r, phase + v / r * t);
}

} // namespace hamgen::ham
