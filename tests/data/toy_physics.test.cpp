#include <hamgen/data/toy_physics.hpp>

#include <catch2/catch.hpp>

#include <iostream>

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
    std::cerr << name << " worst " << worst << " substeps " << max_sub << "\n";
    CHECK(worst <= 1e-6);
  }
}
