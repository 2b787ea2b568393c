// A program that uses hamgen as an outside project would: through find_package or add_subdirectory.
#include <hamgen/hamgen.hpp>

#include <cstdio>

int main() {
  try {
    HAMGEN_CHECK(false, "consumer: expected error");
  } catch (const hamgen::value_error&) {
    std::printf("hamgen consumer ok (hamgen %s)\n", hamgen::version_string());
    return 0;
  }
  return 1;
}
