// hamgen/hamiltonian/systems/two_body.hpp
//
// Represents: the Kepler two-body problem in the plane, ham::two_body = planar_n_body<2>
//             (H = |p1|²/(2m1) + |p2|²/(2m2) − g m1 m2 / |q1 − q2|, q = (x1, y1, x2, y2)).
// Requires:   see n_body.hpp.
// Ensures:    two_body_circular(s) is the DeepMind Hamiltonian Dynamics Suite `two_body` initial state
//             (datasets.md §4.4): q1 = s, q2 = −s, p1 = v, p2 = −v, v = (s_y, −s_x) / (2|s|^1.5).
//             For m1 = m2 = g = 1 that orbit is exactly circular, clockwise, with angular velocity
//             ω = 1/(2|s|^1.5); two_body_circular_exact(s, t) returns the state at time t.
#pragma once

#include <hamgen/hamiltonian/systems/n_body.hpp>

#include <cmath>
#include <utility>

namespace hamgen::ham {

/// The Kepler two-body problem.
using two_body = planar_n_body<2>;
/// Alias: the Kepler problem as two bodies.
using kepler = two_body;

using two_body_state = Eigen::Vector<double, 4>;

/// The suite's two-body start: bodies at ±s with opposite velocities of the circular orbit (m = g = 1).
inline std::pair<two_body_state, two_body_state> two_body_circular(double sx, double sy) {
  const double r = std::hypot(sx, sy);
  HAMGEN_CHECK(r > 0 && std::isfinite(r), "two_body_circular: |s| must be positive and finite (s = (", sx,
               ", ", sy, "))");
  const double f = 1.0 / (2.0 * r * std::sqrt(r));
  const double vx = sy * f, vy = -sx * f;
  return {two_body_state(sx, sy, -sx, -sy), two_body_state(vx, vy, -vx, -vy)};
}

/// The exact state at time t of the orbit started by two_body_circular(sx, sy) (m1 = m2 = g = 1).
inline std::pair<two_body_state, two_body_state> two_body_circular_exact(double sx, double sy, double t) {
  const double r = std::hypot(sx, sy);
  const double angle = -t / (2.0 * r * std::sqrt(r)); // clockwise
  const double c = std::cos(angle), s = std::sin(angle);
  return two_body_circular(c * sx - s * sy, s * sx + c * sy);
}

} // namespace hamgen::ham
