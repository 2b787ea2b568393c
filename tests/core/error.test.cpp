#include <hamgen/core/error.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

TEST_CASE("HAMGEN_CHECK raises typed errors whose text names the component", "[core][error]") {
  CHECK_THROWS_AS(HAMGEN_CHECK(false, "stepper: bad"), hamgen::value_error);
  CHECK_THROWS_AS(HAMGEN_CHECK_SHAPE(1 == 2, "gemm: ", 3, " vs ", 4), hamgen::shape_error);
  CHECK_THROWS_WITH(HAMGEN_CHECK_SHAPE(false, "gemm: ", 3, " vs ", 4), "gemm: 3 vs 4");
  CHECK_NOTHROW(HAMGEN_CHECK(true, "never"));
  try {
    HAMGEN_CHECK_SHAPE(false, "x");
    FAIL("no exception");
  } catch (const hamgen::error& e) {
    CHECK(std::string(e.message()) == "x");
  }
}

TEST_CASE("finite checks name the first offending element", "[core][error]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(hamgen::check_finite("leapfrog", "dt", nan),
                    Catch::Contains("leapfrog: dt is not finite"));
  std::vector<double> v{1.0, 2.0, std::numeric_limits<double>::infinity()};
  CHECK_THROWS_WITH(hamgen::check_all_finite("rollout", "q", v.begin(), v.end()),
                    Catch::Contains("rollout: q[2] is not finite (inf)"));
  v[2] = 3;
  CHECK_NOTHROW(hamgen::check_all_finite("rollout", "q", v.begin(), v.end()));
}
