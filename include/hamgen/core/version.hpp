// hamgen/core/version.hpp
//
// Represents: the library version, as the numbers in CMakeLists.txt's project() call.
// Ensures:    HAMGEN_VERSION_{MAJOR,MINOR,PATCH} macros and hamgen::version_string().
#pragma once

#define HAMGEN_VERSION_MAJOR 0
#define HAMGEN_VERSION_MINOR 1
#define HAMGEN_VERSION_PATCH 0

namespace hamgen {

/// "MAJOR.MINOR.PATCH"
constexpr const char* version_string() noexcept { return "0.1.0"; }

} // namespace hamgen
