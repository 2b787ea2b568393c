#include <hamgen/data/toy_physics.hpp>

#include <catch2/catch.hpp>

using namespace hamgen::data;

TEST_CASE("toy physics: energy conserved to 1e-6 on every conservative system", "[data][toy]") {
  for (const char* name :
       {"mass_spring", "mass_spring_colors", "pendulum", "pendulum_colors", "double_pendulum",
        "double_pendulum_colors", "two_body", "two_body_colors", "three_body", "three_body_colors"}) {
    auto o = toy_options_from_name(name);
    o.frames = 100;
    toy_physics g(o);
    double worst = 0;
    int max_sub = 0;
    for (std::size_t i = 0; i < 12; ++i) {
      toy_physics::diagnostics d;
      const auto t = g.make(7, i, d);
      check_trajectory(g.layout(), t);
      worst = std::max(worst, d.energy_error);
      max_sub = std::max(max_sub, d.substeps);
    }
    INFO(name << " worst " << worst << " substeps " << max_sub);
    CHECK(worst <= 1e-6);
  }
}

namespace {
double hyp(double a, double b) { return std::hypot(a, b); }
} // namespace

TEST_CASE("toy physics: parameters and initial states inside the suite's ranges", "[data][toy]") {
  const double pi = 3.141592653589793;
  for (const char* name :
       {"mass_spring", "mass_spring_colors", "pendulum", "pendulum_colors", "double_pendulum",
        "double_pendulum_colors", "two_body", "two_body_colors", "three_body"}) {
    auto o = toy_options_from_name(name);
    o.frames = 3;
    o.resolution = 8;
    toy_physics g(o);
    const auto& l = g.layout();
    INFO(name);
    for (std::size_t i = 0; i < 150; ++i) {
      const auto t = g.make(3, i);
      const auto& P = t.params;
      const auto& x = t.x;
      const std::size_t D = l.state_dim, d = D / 2;
      for (auto c : t.colours) {
        CHECK(c >= 0);
        CHECK(c < (o.colors ? 6 : static_cast<int>(l.objects)));
      }
      if (l.objects == 2) CHECK(t.colours[0] != t.colours[1]);
      const double half = g.canvas_half();
      if (!o.colors || o.system == toy_system::two_body || o.system == toy_system::three_body) {
        CHECK(t.offset[1] == 0.0);
      } else {
        CHECK(std::abs(t.offset[1]) <= 0.4 * half);
      }
      switch (o.system) {
      case toy_system::mass_spring: {
        CHECK(P[0] == 2.0);
        if (o.colors)
          CHECK((P[1] >= 0.2 && P[1] <= 1.0));
        else
          CHECK(P[1] == 0.5);
        const double rad = hyp(x[0], x[1] / std::sqrt(P[0] * P[1]));
        CHECK((rad >= 0.1 - 1e-12 && rad <= 1.0 + 1e-12));
        CHECK(half == Approx(1.0 + std::sqrt((o.colors ? 1.0 : 0.5) / pi)));
        break;
      }
      case toy_system::pendulum: {
        if (o.colors)
          CHECK((P[0] >= 0.5 && P[0] <= 1.5 && P[1] >= 3 && P[1] <= 4 && P[2] >= 0.5 && P[2] <= 1));
        else
          CHECK((P[0] == 0.5 && P[1] == 3 && P[2] == 1));
        const double rad = hyp(x[0], x[1]);
        CHECK((rad >= 1.3 - 1e-12 && rad <= 2.3 + 1e-12));
        break;
      }
      case toy_system::double_pendulum: {
        for (int k : {0, 1}) {
          if (o.colors)
            CHECK((P[static_cast<std::size_t>(k)] >= 0.4 && P[static_cast<std::size_t>(k)] <= 0.6 &&
                   P[2 + static_cast<std::size_t>(k)] >= 0.75 && P[2 + static_cast<std::size_t>(k)] <= 1));
          const double rad = hyp(x[static_cast<std::size_t>(k)], x[2 + static_cast<std::size_t>(k)]);
          const double lo = o.colors ? 1.0 : 1.3, hi = o.colors ? 2.5 : 2.3;
          CHECK((rad >= lo - 1e-12 && rad <= hi + 1e-12));
        }
        if (!o.colors) CHECK((P[4] == 3.0 && P[0] == 0.5 && P[2] == 1.0));
        break;
      }
      case toy_system::two_body: {
        const double sx = x[0], sy = x[1], r = hyp(sx, sy);
        CHECK((sx >= 0.5 && sx <= 1.5 && sy >= 0.5 && sy <= 1.5));
        CHECK(x[2] == -sx);
        CHECK(x[3] == -sy);
        CHECK(x[4] == Approx(sy / (2 * std::pow(r, 1.5))));
        CHECK(x[5] == Approx(-sx / (2 * std::pow(r, 1.5))));
        CHECK(half == (o.colors ? 5.0 : 2.75));
        break;
      }
      default: {
        for (std::size_t b = 0; b < 3; ++b)
          CHECK((hyp(x[2 * b], x[2 * b + 1]) >= 0.9 - 1e-12 && hyp(x[2 * b], x[2 * b + 1]) <= 1.2 + 1e-12));
        break;
      }
      }
      (void)d;
    }
  }
}

TEST_CASE("toy physics: two-body colours rejection keeps every position inside the canvas", "[data][toy]") {
  auto o = toy_options_from_name("two_body_colors");
  o.frames = 256;
  o.resolution = 8;
  toy_physics g(o);
  int rejections = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    toy_physics::diagnostics d;
    const auto t = g.make(11, i, d);
    rejections += d.rejections;
    for (std::size_t f = 0; f < o.frames; ++f)
      for (std::size_t k = 0; k < 4; ++k) CHECK(std::abs(t.x[f * 8 + k]) <= 5.0);
  }
  CHECK(rejections > 0); // about a fifth of the draws leave [-5, 5] within 256 frames
  o.reject_outside = false;
  toy_physics free(o);
  bool left = false;
  for (std::size_t i = 0; i < 40 && !left; ++i) {
    const auto t = free.make(11, i);
    for (std::size_t f = 0; f < o.frames; ++f)
      for (std::size_t k = 0; k < 4; ++k) left = left || std::abs(t.x[f * 8 + k]) > 5.0;
  }
  CHECK(left);
}

TEST_CASE("toy physics: friction variants lose energy at the suite's rate", "[data][toy]") {
  for (const char* name : {"mass_spring_colors_friction", "pendulum_colors_friction",
                           "double_pendulum_friction", "pendulum_friction"}) {
    auto o = toy_options_from_name(name);
    o.frames = 60;
    o.resolution = 8;
    toy_physics g(o);
    INFO(name);
    for (std::size_t i = 0; i < 5; ++i) {
      const auto t = g.make(5, i);
      const std::size_t D = g.layout().state_dim, d = D / 2;
      // energy from the stored state; dissipation predicted by dH/dt = -γ |∂H/∂p|² (stored dx_dt[:d] = ∂H/∂p)
      auto energy = [&](std::size_t f) {
        const double* s = t.x.data() + f * D;
        const auto& P = t.params;
        switch (o.system) {
        case toy_system::mass_spring:
          return 0.5 * P[0] * s[0] * s[0] + s[1] * s[1] / (2 * P[1]);
        case toy_system::pendulum:
          return P[0] * P[1] * P[2] * (1 - std::cos(s[0])) + s[1] * s[1] / (2 * P[0] * P[2] * P[2]);
        default: {
          const hamgen::ham::double_pendulum h{.m1 = P[0], .m2 = P[1], .l1 = P[2], .l2 = P[3], .g = P[4]};
          return h.energy(Eigen::Vector2d(s[0], s[1]), Eigen::Vector2d(s[2], s[3]));
        }
        }
      };
      double predicted = 0;
      for (std::size_t f = 0; f + 1 < o.frames; ++f) {
        CHECK(energy(f + 1) <= energy(f) + 1e-12);
        double a = 0, b = 0;
        for (std::size_t k = 0; k < d; ++k) {
          a += t.dx_dt[f * D + k] * t.dx_dt[f * D + k];
          b += t.dx_dt[(f + 1) * D + k] * t.dx_dt[(f + 1) * D + k];
        }
        predicted -= 0.05 * o.dt * 0.5 * (a + b);
      }
      const double lost = energy(o.frames - 1) - energy(0);
      CHECK(lost < 0);
      CHECK(lost == Approx(predicted).epsilon(0.05));
    }
  }
}

TEST_CASE("toy physics: dx_dt is the conservative field and matches the motion", "[data][toy]") {
  auto o = toy_options_from_name("pendulum");
  o.frames = 50;
  o.dt = 0.01;
  o.resolution = 8;
  const auto t = toy_physics(o).make(1, 0);
  for (std::size_t f = 1; f + 1 < o.frames; ++f)
    for (std::size_t k = 0; k < 2; ++k) {
      const double fd = (t.x[(f + 1) * 2 + k] - t.x[(f - 1) * 2 + k]) / (2 * o.dt);
      CHECK(t.dx_dt[f * 2 + k] == Approx(fd).margin(1e-3));
    }
}

TEST_CASE("toy physics: deterministic for a seed; names are validated", "[data][toy]") {
  auto o = toy_options_from_name("double_pendulum_colors");
  o.frames = 10;
  toy_physics g(o);
  const auto a = g.make(42, 3), b = g.make(42, 3), c = g.make(43, 3);
  CHECK(a.images == b.images);
  CHECK(a.x == b.x);
  CHECK(a.x != c.x);
  CHECK_THROWS_WITH(toy_options_from_name("pendulum_sideways"),
                    Catch::Contains("unknown dataset 'pendulum_sideways'"));
  o.frames = 0;
  CHECK_THROWS_AS(toy_physics(o), hamgen::value_error);
}
