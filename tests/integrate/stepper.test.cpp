#include <hamgen/integrate/stepper.hpp>

#include <hamgen/hamiltonian/systems/double_pendulum.hpp>
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/integrate/implicit_midpoint.hpp>
#include <hamgen/integrate/rk4.hpp>
#include <hamgen/integrate/splitting.hpp>
#include <hamgen/integrate/tao.hpp>

#include <catch2/catch.hpp>

namespace integ = hamgen::integrate;
namespace ham = hamgen::ham;

TEST_CASE("every stepper models stepper_for on fixed and dynamic states", "[integrate][stepper]") {
  using v2 = Eigen::Vector2d;
  using vx = Eigen::VectorXf;
  STATIC_REQUIRE(integ::stepper_for<integ::leapfrog, ham::pendulum, v2>);
  STATIC_REQUIRE(integ::stepper_for<integ::yoshida8, ham::pendulum, vx>);
  STATIC_REQUIRE(integ::stepper_for<integ::rk4, ham::double_pendulum, v2>);
  STATIC_REQUIRE(integ::stepper_for<integ::implicit_midpoint, ham::double_pendulum, v2>);
  STATIC_REQUIRE(integ::stepper_for<integ::tao, ham::double_pendulum, vx>);
  STATIC_REQUIRE_FALSE(integ::stepper_for<integ::rk4, ham::pendulum, Eigen::RowVector2d>); // not a column
}

TEST_CASE("step input checks name the component and the values", "[integrate][stepper]") {
  Eigen::VectorXd q(3), p(4);
  q.setZero();
  p.setZero();
  CHECK_THROWS_WITH(integ::detail::check_step_input("leapfrog", "step", q, p, 0.1, true),
                    "leapfrog::step: q has 3 elements, p has 4");
  p.resize(3);
  p.setZero();
  CHECK_NOTHROW(integ::detail::check_step_input("leapfrog", "step", q, p, 0.1, true));
  CHECK_THROWS_WITH(integ::detail::check_step_input("rk4", "step", q, p, -HUGE_VAL, true),
                    "rk4::step: dt is not finite (-inf)");
  p(2) = std::nan("");
  CHECK_NOTHROW(integ::detail::check_step_input("rk4", "step", q, p, 0.1, false)); // O(1) checks only
  CHECK_THROWS_WITH(integ::detail::check_step_input("rk4", "step", q, p, 0.1, true),
                    Catch::Contains("rk4::step: p[2] is not finite"));
}
