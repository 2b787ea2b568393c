#include <hamgen/core/version.hpp>

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("version string matches the version macros", "[core][version]") {
  const std::string expected = std::to_string(HAMGEN_VERSION_MAJOR) + "." +
                               std::to_string(HAMGEN_VERSION_MINOR) + "." +
                               std::to_string(HAMGEN_VERSION_PATCH);
  CHECK(expected == hamgen::version_string());
}
