#include <hamgen/integrate/tableau.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace integ = hamgen::integrate;
using integ::stage_kind;

TEST_CASE("constexpr n-th root matches std::pow", "[integrate][tableau]") {
  for (int n : {3, 5, 7, 9})
    CHECK(integ::detail::root_n(2.0, n) == Approx(std::pow(2.0, 1.0 / n)).epsilon(1e-15));
  STATIC_REQUIRE(integ::detail::root_n(8.0, 3) > 1.9999999999 &&
                 integ::detail::root_n(8.0, 3) < 2.0000000001);
}

TEST_CASE("triple jump builds Yoshida's 4th-order coefficients at compile time", "[integrate][tableau]") {
  constexpr integ::tableau<3> lf{
      {{{stage_kind::kick, 0.5}, {stage_kind::drift, 1.0}, {stage_kind::kick, 0.5}}}, 2, true};
  constexpr auto y4 = integ::triple_jump(lf);
  STATIC_REQUIRE(y4.size == 7);
  STATIC_REQUIRE(y4.order == 4);
  STATIC_REQUIRE(y4.kicks() == 4);
  STATIC_REQUIRE(integ::consistent(y4));
  STATIC_REQUIRE(integ::palindromic(y4));
  const double w1 = 1.0 / (2.0 - std::cbrt(2.0)), w0 = 1.0 - 2.0 * w1; // Yoshida (1990) eq. (4.14)
  CHECK(y4.stages[0].kind == stage_kind::kick);
  CHECK(y4.stages[0].c == Approx(w1 / 2).epsilon(1e-15));
  CHECK(y4.stages[1].c == Approx(w1).epsilon(1e-15));
  CHECK(y4.stages[2].c == Approx((w1 + w0) / 2).epsilon(1e-15));
  CHECK(y4.stages[3].kind == stage_kind::drift);
  CHECK(y4.stages[3].c == Approx(w0).epsilon(1e-15));
  constexpr auto y6 = integ::triple_jump(y4);
  STATIC_REQUIRE(y6.size == 19);
  STATIC_REQUIRE(y6.order == 6);
  STATIC_REQUIRE(integ::consistent(y6));
  const double g1 = 1.0 / (2.0 - std::pow(2.0, 1.0 / 5.0));
  CHECK(y6.stages[1].c == Approx(g1 * w1).epsilon(1e-14));
}

TEST_CASE("inconsistent tables are detected", "[integrate][tableau]") {
  constexpr integ::tableau<2> bad{{{{stage_kind::kick, 0.9}, {stage_kind::drift, 1.0}}}, 1, false};
  STATIC_REQUIRE_FALSE(integ::consistent(bad));
  constexpr integ::tableau<3> lopsided{
      {{{stage_kind::kick, 0.4}, {stage_kind::drift, 1.0}, {stage_kind::kick, 0.6}}}, 2, true};
  STATIC_REQUIRE(integ::consistent(lopsided));
  STATIC_REQUIRE_FALSE(integ::palindromic(lopsided));
}
