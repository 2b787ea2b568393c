// hamgen/data/toy_physics.hpp
//
// Represents: the toy-physics video datasets of the DeepMind Hamiltonian Dynamics Suite (Botev et al.
//             2021, "Which priors matter?"): mass_spring, pendulum, double_pendulum, two_body, each as
//             `<system>` (constant physics, constant colour), `<system>_colors` (varied physics, six
//             hues, random canvas offset), `<system>_colors_friction` and `<system>_friction` (the
//             constant configuration with friction, as in the mstoelzle fork), plus three_body with
//             HGN-style parameters (Toth et al. 2019 as re-implemented by CampusAI) and
//             three_body_colors (varied masses and g).
// Requires:   the physics of hamgen/hamiltonian/systems/* and the steppers of hamgen/integrate/*.
// Ensures:    parameters uniform in the suite's ranges; initial states from the suite's samplers
//             (annulus uniform in length or area, two-body first-quadrant box with circular-orbit
//             momentum, three-body equilateral with tangential ±velocity and 10 % orbit noise);
//             the canvas-bound rejection rule (all object positions, without offset and radius, inside
//             the canvas bounds at every sub-step of the whole trajectory, otherwise parameters and
//             state are redrawn); ground truth: closed form for the conservative spring, Yoshida's
//             8th-order splitting (pendulum, two_body, three_body) or classical RK4 (double
//             pendulum, non-separable) with sub-steps, refined by doubling
//             the sub-steps until the relative energy error max_t |H(t) − H(0)| / (|T(0)| + |V(0)|)
//             is ≤ energy_tolerance (default 1e-6); friction as in the suite, dp/dt = −∂H/∂q − γ ∂H/∂p
//             (γ = 0.05), integrated with RK4 sub-steps (not symplectic); stored dx_dt is the
//             conservative field (∂H/∂p, −∂H/∂q) even with friction (as in the suite); images
//             rendered by data/render.hpp with ball radius √(m/π).
// Source:     shared/reference/datasets.md §2–§5 (read from the suite's code); Yoshida 1990.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/data/dataset.hpp>
#include <hamgen/data/random.hpp>
#include <hamgen/data/render.hpp>
#include <hamgen/hamiltonian/systems/double_pendulum.hpp>
#include <hamgen/hamiltonian/systems/harmonic_oscillator.hpp>
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/three_body.hpp>
#include <hamgen/hamiltonian/systems/two_body.hpp>
#include <hamgen/integrate/rk4.hpp>
#include <hamgen/integrate/splitting.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

namespace hamgen::data {

enum class toy_system { mass_spring, pendulum, double_pendulum, two_body, three_body };

inline const char* toy_system_name(toy_system s) {
  switch (s) {
  case toy_system::mass_spring:
    return "mass_spring";
  case toy_system::pendulum:
    return "pendulum";
  case toy_system::double_pendulum:
    return "double_pendulum";
  case toy_system::two_body:
    return "two_body";
  default:
    return "three_body";
  }
}

struct toy_options {
  toy_system system = toy_system::pendulum;
  bool colors = false;                ///< the suite's *_colors configuration (varied physics, K = 6, offset)
  bool friction = false;              ///< damping dp/dt −= γ ∂H/∂p
  double friction_coefficient = 0.05; ///< γ
  std::size_t frames = 100;           ///< stored frames (initial state included)
  double dt = 0.05;                   ///< time between frames
  int resolution = 32;                ///< 32, 64 or 96 (any value ≥ 8 is accepted)
  bool grayscale = false;             ///< 1 channel (max over RGB) instead of RGB
  bool reject_outside = true;         ///< the suite's canvas-bound rejection rule
  double energy_tolerance = 1e-6;     ///< conservative systems: max relative energy error
  int substeps = 0;                   ///< initial sub-steps per frame (0: per-system default)
};

/// Parses "<system>[_colors][_friction]" (e.g. "pendulum_colors_friction") into options.
inline toy_options toy_options_from_name(const std::string& name) {
  toy_options o;
  std::string rest = name;
  auto strip = [&](const std::string& suffix) {
    if (rest.size() > suffix.size() &&
        rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0) {
      rest.resize(rest.size() - suffix.size());
      return true;
    }
    return false;
  };
  o.friction = strip("_friction");
  o.colors = strip("_colors");
  bool found = false;
  for (auto s : {toy_system::mass_spring, toy_system::pendulum, toy_system::double_pendulum,
                 toy_system::two_body, toy_system::three_body})
    if (rest == toy_system_name(s)) {
      o.system = s;
      found = true;
    }
  check<value_error>(found, "toy_physics: unknown dataset '", name,
                     "' (systems: mass_spring, pendulum, double_pendulum, two_body, three_body; suffixes "
                     "_colors, _friction, _colors_friction)");
  return o;
}

/// The friction-augmented system integrated for the *_friction variants: RK4 steps q' = ∂H/∂p and
/// p' = −dh_dq, so dh_dq here is ∂H/∂q + γ ∂H/∂p. (Written in data/ because the physics branch has no
/// dissipative wrapper.)
template <class H>
struct damped {
  const H* h;
  double gamma;
  template <class S>
  double energy(const S& q, const S& p) const {
    return h->energy(q, p);
  }
  template <class S>
  S dh_dp(const S& q, const S& p) const {
    return h->dh_dp(q, p);
  }
  template <class S>
  S dh_dq(const S& q, const S& p) const {
    return h->dh_dq(q, p) + gamma * h->dh_dp(q, p);
  }
};

namespace detail {

struct box_range {
  double lo, hi;
  double draw(rng& r) const { return lo == hi ? lo : r.uniform(lo, hi); }
};

/// A point on the annulus lo ≤ |(a, b)| ≤ hi, radius uniform in length or in area, uniform angle.
inline std::array<double, 2> annulus(rng& r, box_range radius, bool area) {
  const double rho =
      area ? std::sqrt(r.uniform(radius.lo * radius.lo, radius.hi * radius.hi)) : radius.draw(r);
  const double th = r.uniform(0.0, 2.0 * std::numbers::pi);
  return {rho * std::cos(th), rho * std::sin(th)};
}

} // namespace detail

/// One toy-physics dataset (see the header comment).
class toy_physics final : public generator {
public:
  explicit toy_physics(toy_options o) : o_(o) {
    check<value_error>(o.frames >= 1 && o.frames <= 100000, "toy_physics: frames = ", o.frames,
                       " outside [1, 100000]");
    check<value_error>(o.dt > 0 && std::isfinite(o.dt), "toy_physics: dt = ", o.dt, " must be positive");
    check<value_error>(o.resolution >= 8 && o.resolution <= 1024, "toy_physics: resolution ", o.resolution,
                       " outside [8, 1024]");
    check<value_error>(o.friction_coefficient >= 0, "toy_physics: friction coefficient ",
                       o.friction_coefficient, " is negative");
    check<value_error>(o.energy_tolerance > 0, "toy_physics: energy tolerance must be positive");
    check<value_error>(o.substeps >= 0 && o.substeps <= 100000, "toy_physics: substeps ", o.substeps,
                       " outside [0, 100000]");
    configure();
  }

  const dataset_layout& layout() const override { return layout_; }
  const toy_options& options() const { return o_; }
  /// Canvas bounds used by the rejection rule (± this value in x and y).
  double canvas_half() const { return half_; }
  /// The rendered world box is [−render_half, render_half] (enlarged when the offset is random).
  double render_half() const { return random_offset_ ? half_ * 1.4 : half_; }

  /// Sub-steps per frame that trajectory (seed, index) finally used, and its energy error (for tests).
  struct diagnostics {
    int substeps = 0;
    int rejections = 0;
    double energy_error = 0;
  };

  trajectory make(std::uint64_t seed, std::size_t index) const override {
    diagnostics d;
    return make(seed, index, d);
  }

  trajectory make(std::uint64_t seed, std::size_t index, diagnostics& d) const {
    rng r(seed, index);
    switch (o_.system) {
    case toy_system::mass_spring:
      return make_mass_spring(r, d);
    case toy_system::pendulum:
      return make_pendulum(r, d);
    case toy_system::double_pendulum:
      return make_double_pendulum(r, d);
    case toy_system::two_body:
      return make_n_body<2>(r, d);
    default:
      return make_n_body<3>(r, d);
    }
  }

private:
  using range = detail::box_range;

  void configure() {
    const bool c = o_.colors;
    dataset_layout& l = layout_;
    l.system = toy_system_name(o_.system);
    l.variant = c ? (o_.friction ? "colors_friction" : "colors") : (o_.friction ? "friction" : "constant");
    l.dataset = l.system + (c ? "_colors" : "") + (o_.friction ? "_friction" : "");
    l.frames = o_.frames;
    l.height = l.width = static_cast<std::size_t>(o_.resolution);
    l.channels = o_.grayscale ? 1 : 3;
    l.has_offset = true;
    l.dt = o_.dt;
    random_offset_ = c && o_.system != toy_system::two_body && o_.system != toy_system::three_body;
    area_ = c;
    K_ = c ? 6 : 1;
    switch (o_.system) {
    case toy_system::mass_spring:
      l.state_dim = 2;
      l.objects = 1;
      l.param_names = {"k", "m"};
      k_ = {2, 2};
      m_ = c ? range{0.2, 1.0} : range{0.5, 0.5};
      radius_ = {0.1, 1.0};
      half_ = radius_.hi + std::sqrt(m_.hi / std::numbers::pi);
      break;
    case toy_system::pendulum:
      l.state_dim = 2;
      l.objects = 1;
      l.param_names = {"m", "g", "l"};
      m_ = c ? range{0.5, 1.5} : range{0.5, 0.5};
      g_ = c ? range{3, 4} : range{3, 3};
      l_ = c ? range{0.5, 1.0} : range{1, 1};
      radius_ = {1.3, 2.3};
      half_ = l_.hi + std::sqrt(m_.hi / std::numbers::pi);
      break;
    case toy_system::double_pendulum:
      l.state_dim = 4;
      l.objects = 2;
      l.param_names = {"m_1", "m_2", "l_1", "l_2", "g"};
      m_ = c ? range{0.4, 0.6} : range{0.5, 0.5};
      g_ = c ? range{2.5, 4.0} : range{3, 3};
      l_ = c ? range{0.75, 1.0} : range{1, 1};
      radius_ = c ? range{1.0, 2.5} : range{1.3, 2.3};
      half_ = 2 * l_.hi + std::sqrt(m_.hi / std::numbers::pi);
      if (!c) K_ = 2;
      break;
    case toy_system::two_body:
      l.state_dim = 8;
      l.objects = 2;
      l.param_names = {"m_1", "m_2", "g"};
      m_ = c ? range{0.5, 1.5} : range{1, 1};
      g_ = c ? range{0.5, 1.5} : range{1, 1};
      radius_ = {0.5, 1.5};
      half_ = c ? 5.0 : 2.75;
      if (!c) K_ = 2;
      break;
    case toy_system::three_body:
      l.state_dim = 12;
      l.objects = 3;
      l.param_names = {"m_1", "m_2", "m_3", "g"};
      m_ = c ? range{0.5, 1.5} : range{1, 1};
      g_ = c ? range{0.5, 1.5} : range{1, 1};
      radius_ = {0.9, 1.2};
      half_ = c ? 5.0 : 3.0;
      if (!c) K_ = 3;
      break;
    }
    l.extra = {{"friction_coefficient", o_.friction ? o_.friction_coefficient : 0.0},
               {"colours", K_},
               {"canvas_bounds", {-half_, half_}},
               {"render_bounds", {-render_half(), render_half()}},
               {"random_canvas_offset", random_offset_},
               {"radius_range", {radius_.lo, radius_.hi}},
               {"annulus", area_ ? "area" : "length"},
               {"reject_outside_canvas", o_.reject_outside},
               {"energy_tolerance", o_.energy_tolerance},
               {"grayscale", o_.grayscale},
               {"integrator", integrator_name()},
               {"orientation", "row 0 is world y = lo (flip rows for physics-up display)"}};
  }

  std::string integrator_name() const {
    if (o_.friction) return "rk4 with sub-steps (damped)";
    switch (o_.system) {
    case toy_system::mass_spring:
      return "closed form";
    case toy_system::double_pendulum:
      return "rk4 with sub-steps, energy-checked";
    default:
      return "yoshida8 with sub-steps, energy-checked";
    }
  }

  int default_substeps() const {
    if (o_.substeps > 0) return o_.substeps;
    const double scale = o_.dt / 0.05;
    int base = 2;
    if (o_.friction)
      base = o_.system == toy_system::pendulum || o_.system == toy_system::mass_spring ? 10 : 40;
    else if (o_.system == toy_system::pendulum)
      base = 1;
    else if (o_.system == toy_system::double_pendulum)
      base = 20;
    else if (o_.system == toy_system::two_body)
      base = 4;
    else if (o_.system == toy_system::three_body)
      base = 8;
    return std::max(1, static_cast<int>(std::ceil(base * scale)));
  }

  std::vector<std::int32_t> draw_colours(rng& r, std::size_t n) const {
    std::vector<std::int32_t> perm(static_cast<std::size_t>(K_));
    for (int i = 0; i < K_; ++i) perm[static_cast<std::size_t>(i)] = i;
    if (K_ == 1) return std::vector<std::int32_t>(n, 0);
    for (std::size_t i = 0; i < n; ++i) { // partial Fisher–Yates: n distinct colours
      const std::size_t j = i + static_cast<std::size_t>(r.below(static_cast<std::uint64_t>(K_) - i));
      std::swap(perm[i], perm[j]);
    }
    perm.resize(n);
    return perm;
  }

  std::array<double, 2> draw_offset(rng& r) const {
    if (!random_offset_) return {0, 0};
    const double s = 0.4 * (2 * half_) / 2; // ±0.4·S/2 per axis, S = canvas width
    return {r.uniform(-s, s), r.uniform(-s, s)};
  }

  /// Integrates `frames` frames; fills x (T×2d) and checks `inside(q)` at every sub-step.
  /// Returns false when a position leaves the canvas.
  template <class St, class H, class S, class Inside>
  bool integrate_frames(const St& st, const H& h, S q, S p, int sub, std::vector<double>& x,
                        Inside&& inside) const {
    const auto d = static_cast<std::size_t>(q.size());
    x.assign(o_.frames * 2 * d, 0.0);
    typename St::template cache<S> c{};
    const double hstep = o_.dt / sub;
    auto store = [&](std::size_t t) {
      for (std::size_t i = 0; i < d; ++i) {
        x[t * 2 * d + i] = q(static_cast<Eigen::Index>(i));
        x[t * 2 * d + d + i] = p(static_cast<Eigen::Index>(i));
      }
    };
    if (!inside(q)) return false;
    store(0);
    for (std::size_t t = 1; t < o_.frames; ++t) {
      for (int s = 0; s < sub; ++s) {
        st.step(h, q, p, hstep, c);
        if (!inside(q)) return false;
      }
      store(t);
    }
    for (double v : x)
      if (!std::isfinite(v)) return false;
    return true;
  }

  template <class H, class S>
  static double energy_scale(const H& h, const S& q, const S& p) {
    const double H0 = static_cast<double>(h.energy(q, p));
    const double V0 = static_cast<double>(h.energy(q, S::Zero(p.size()).eval()));
    return std::abs(H0 - V0) + std::abs(V0);
  }

  template <class H, class S>
  double energy_error(const H& h, const std::vector<double>& x) const {
    const auto d = x.size() / o_.frames / 2;
    auto at = [&](std::size_t t, std::size_t off) {
      S v(static_cast<Eigen::Index>(d));
      for (std::size_t i = 0; i < d; ++i) v(static_cast<Eigen::Index>(i)) = x[t * 2 * d + off + i];
      return v;
    };
    const S q0 = at(0, 0), p0 = at(0, d);
    const double H0 = h.energy(q0, p0), scale = std::max(energy_scale(h, q0, p0), 1e-300);
    double worst = 0;
    for (std::size_t t = 1; t < o_.frames; ++t)
      worst = std::max(worst, std::abs(h.energy(at(t, 0), at(t, d)) - H0));
    return worst / scale;
  }

  /// Integrates with friction (RK4) or conservatively (St, energy-checked with sub-step doubling).
  /// Returns false when rejected by `inside`.
  template <class St, class H, class S, class Inside>
  bool solve(const St& st, const H& h, const S& q0, const S& p0, std::vector<double>& x, Inside&& inside,
             diagnostics& d) const {
    int sub = default_substeps();
    if (o_.friction) {
      damped<H> hd{&h, o_.friction_coefficient};
      d.substeps = sub;
      return integrate_frames(integrate::rk4{}, hd, q0, p0, sub, x, inside);
    }
    for (int attempt = 0; attempt < 12; ++attempt, sub *= 2) {
      if (!integrate_frames(st, h, q0, p0, sub, x, inside)) return false;
      d.substeps = sub;
      d.energy_error = energy_error<H, S>(h, x);
      if (d.energy_error <= o_.energy_tolerance) return true;
    }
    throw convergence_error(
        hamgen::detail::concat("toy_physics: '", layout_.dataset, "': relative energy error ", d.energy_error,
                               " above ", o_.energy_tolerance, " with ", sub / 2, " sub-steps per frame"));
  }

  template <class H, class S>
  void fill_dx_dt(const H& h, const std::vector<double>& x, std::vector<double>& dx) const {
    // A fixed-size state knows its own size (and g++ 13 then sees the loop bounds).
    constexpr auto fixed = S::SizeAtCompileTime;
    const std::size_t d = fixed > 0 ? static_cast<std::size_t>(fixed) : x.size() / o_.frames / 2;
    HAMGEN_CHECK_SHAPE(x.size() == o_.frames * 2 * d, "toy_physics::fill_dx_dt: ", x.size(),
                       " state values for ", o_.frames, " frames of ", 2 * d);
    dx.assign(x.size(), 0.0);
    S q(static_cast<Eigen::Index>(d)), p(static_cast<Eigen::Index>(d));
    for (std::size_t t = 0; t < o_.frames; ++t) {
      for (std::size_t i = 0; i < d; ++i) {
        q(static_cast<Eigen::Index>(i)) = x[t * 2 * d + i];
        p(static_cast<Eigen::Index>(i)) = x[t * 2 * d + d + i];
      }
      const S a = h.dh_dp(q, p), b = h.dh_dq(q, p);
      for (std::size_t i = 0; i < d; ++i) {
        dx[t * 2 * d + i] = a(static_cast<Eigen::Index>(i));
        dx[t * 2 * d + d + i] = -b(static_cast<Eigen::Index>(i));
      }
    }
  }

  /// Renders every frame from per-frame object positions (T × n × 2, world, before offset).
  void render(trajectory& tr, const std::vector<double>& pos, const std::vector<double>& radii) const {
    const std::size_t n = radii.size();
    render_options ro{.resolution = o_.resolution, .grayscale = o_.grayscale};
    const std::size_t frame = layout_.height * layout_.width * layout_.channels;
    tr.images.resize(o_.frames * frame);
    std::vector<particle> ps(n);
    for (std::size_t t = 0; t < o_.frames; ++t) {
      for (std::size_t k = 0; k < n; ++k)
        ps[k] = {pos[(t * n + k) * 2] + tr.offset[0], pos[(t * n + k) * 2 + 1] + tr.offset[1], radii[k],
                 hue_colour(tr.colours[k], K_)};
      render_frame(ps, -render_half(), render_half(), ro, tr.images.data() + t * frame);
    }
  }

  static constexpr int max_attempts = 10000;

  auto inside_box() const {
    return [this](double x, double y) {
      return !o_.reject_outside || (std::abs(x) <= half_ && std::abs(y) <= half_);
    };
  }

  trajectory make_mass_spring(rng& r, diagnostics& d) const {
    using S = Eigen::Vector<double, 1>;
    trajectory tr;
    const double k = k_.draw(r), m = m_.draw(r);
    const ham::harmonic_oscillator h{.k = k, .m = m};
    const auto ab = detail::annulus(r, radius_, area_);
    const S q0(ab[0]), p0(ab[1] * std::sqrt(k * m));
    tr.colours = draw_colours(r, 1);
    const double x_off = o_.colors ? r.uniform() : 0.0; // the suite's randomize_x
    const auto off = draw_offset(r);
    tr.offset = {x_off + off[0], off[1]};
    tr.params = {k, m};
    if (o_.friction) {
      solve(
          integrate::rk4{}, h, q0, p0, tr.x, [](const S&) { return true; }, d);
    } else {
      tr.x.resize(o_.frames * 2);
      for (std::size_t t = 0; t < o_.frames; ++t) {
        const auto [q, p] = h.exact(q0, p0, static_cast<double>(t) * o_.dt);
        tr.x[2 * t] = q(0);
        tr.x[2 * t + 1] = p(0);
      }
      d.energy_error = energy_error<ham::harmonic_oscillator, S>(h, tr.x);
    }
    fill_dx_dt<ham::harmonic_oscillator, S>(h, tr.x, tr.dx_dt);
    std::vector<double> pos(o_.frames * 2);
    for (std::size_t t = 0; t < o_.frames; ++t) pos[2 * t + 1] = tr.x[2 * t];
    render(tr, pos, {std::sqrt(m / std::numbers::pi)});
    return tr;
  }

  trajectory make_pendulum(rng& r, diagnostics& d) const {
    using S = Eigen::Vector<double, 1>;
    trajectory tr;
    const double m = m_.draw(r), g = g_.draw(r), l = l_.draw(r);
    const ham::pendulum h{.m = m, .g = g, .l = l};
    const auto ab = detail::annulus(r, radius_, area_);
    const S q0(ab[0]), p0(ab[1]);
    tr.colours = draw_colours(r, 1);
    const auto off = draw_offset(r);
    tr.offset = {off[0], off[1]};
    tr.params = {m, g, l};
    solve(
        integrate::yoshida8{}, h, q0, p0, tr.x, [](const S&) { return true; }, d);
    fill_dx_dt<ham::pendulum, S>(h, tr.x, tr.dx_dt);
    std::vector<double> pos(o_.frames * 2);
    for (std::size_t t = 0; t < o_.frames; ++t) {
      pos[2 * t] = l * std::sin(tr.x[2 * t]);
      pos[2 * t + 1] = -l * std::cos(tr.x[2 * t]);
    }
    render(tr, pos, {std::sqrt(m / std::numbers::pi)});
    return tr;
  }

  trajectory make_double_pendulum(rng& r, diagnostics& d) const {
    using S = Eigen::Vector<double, 2>;
    trajectory tr;
    const double m1 = m_.draw(r), m2 = m_.draw(r), l1 = l_.draw(r), l2 = l_.draw(r), g = g_.draw(r);
    const ham::double_pendulum h{.m1 = m1, .m2 = m2, .l1 = l1, .l2 = l2, .g = g};
    const auto a1 = detail::annulus(r, radius_, area_), a2 = detail::annulus(r, radius_, area_);
    const S q0(a1[0], a2[0]), p0(a1[1], a2[1]);
    tr.colours = draw_colours(r, 2);
    const auto off = draw_offset(r);
    tr.offset = {off[0], off[1]};
    tr.params = {m1, m2, l1, l2, g};
    // Non-separable: classical RK4 with energy-checked sub-steps. (Tao's explicit symplectic tao4 with
    // ω = 20 needs 40 sub-steps for 6.7e-7 on the colours configuration; RK4 gets ≈1e-7 with 40 at a
    // third of the gradient evaluations.)
    solve(
        integrate::rk4{}, h, q0, p0, tr.x, [](const S&) { return true; }, d);
    fill_dx_dt<ham::double_pendulum, S>(h, tr.x, tr.dx_dt);
    std::vector<double> pos(o_.frames * 4);
    for (std::size_t t = 0; t < o_.frames; ++t) {
      const double q1 = tr.x[4 * t], q2 = tr.x[4 * t + 1];
      const double x1 = l1 * std::sin(q1), y1 = -l1 * std::cos(q1);
      pos[4 * t] = x1;
      pos[4 * t + 1] = y1;
      pos[4 * t + 2] = x1 + l2 * std::sin(q2);
      pos[4 * t + 3] = y1 - l2 * std::cos(q2);
    }
    render(tr, pos, {std::sqrt(m1 / std::numbers::pi), std::sqrt(m2 / std::numbers::pi)});
    return tr;
  }

  template <std::size_t N>
  trajectory make_n_body(rng& r, diagnostics& d) const {
    using S = Eigen::Vector<double, static_cast<int>(2 * N)>;
    using H = ham::planar_n_body<N>;
    const auto in = inside_box();
    auto inside = [&](const S& q) {
      for (std::size_t i = 0; i < N; ++i)
        if (!in(q(static_cast<Eigen::Index>(2 * i)), q(static_cast<Eigen::Index>(2 * i + 1)))) return false;
      return true;
    };
    for (int attempt = 0; attempt < max_attempts; ++attempt) {
      trajectory tr;
      H h;
      for (std::size_t i = 0; i < N; ++i) h.m[i] = m_.draw(r);
      h.g = g_.draw(r);
      S q0, p0;
      if constexpr (N == 2) {
        const double sx = radius_.draw(r), sy = radius_.draw(r); // first quadrant box (the suite's rule)
        std::tie(q0, p0) = ham::two_body_circular(sx, sy);
      } else {
        const double rad = radius_.draw(r), phase = r.uniform(0.0, 2.0 * std::numbers::pi);
        std::tie(q0, p0) = ham::three_body_equilateral(rad, phase);
        if (r.coin()) p0 = -p0; // either sense of rotation
        for (Eigen::Index i = 0; i < p0.size(); ++i) p0(i) *= 1.0 + 0.1 * r.uniform(-1.0, 1.0); // orbit noise
      }
      tr.colours = draw_colours(r, N);
      tr.offset = {0.0, 0.0};
      for (std::size_t i = 0; i < N; ++i) tr.params.push_back(h.m[i]);
      tr.params.push_back(h.g);
      if (!solve(integrate::yoshida8{}, h, q0, p0, tr.x, inside, d)) {
        ++d.rejections;
        continue;
      }
      fill_dx_dt<H, S>(h, tr.x, tr.dx_dt);
      std::vector<double> pos(o_.frames * N * 2), radii(N);
      for (std::size_t t = 0; t < o_.frames; ++t)
        for (std::size_t k = 0; k < 2 * N; ++k) pos[t * 2 * N + k] = tr.x[t * 4 * N + k];
      for (std::size_t i = 0; i < N; ++i) radii[i] = std::sqrt(h.m[i] / std::numbers::pi);
      render(tr, pos, radii);
      return tr;
    }
    throw convergence_error(hamgen::detail::concat("toy_physics: '", layout_.dataset, "': ", max_attempts,
                                                   " draws in a row left the canvas (frames = ", o_.frames,
                                                   ")"));
  }

  toy_options o_;
  dataset_layout layout_;
  range k_{2, 2}, m_{1, 1}, g_{1, 1}, l_{1, 1}, radius_{0.5, 1.5};
  double half_ = 1;
  bool random_offset_ = false, area_ = false;
  int K_ = 1;
};

} // namespace hamgen::data
