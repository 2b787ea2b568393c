#include <catch2/catch.hpp>

#include <hamgen/core/allocator.hpp>

TEST_CASE("cpu allocator returns aligned buffers", "[core]") {
  using A = hamgen::device_allocator<hamgen::cpu_t>;
  double* p = A::allocate<double>(17);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % A::alignment == 0);
  p[16] = 1.0;
  A::deallocate(p, 17);
  CHECK(A::allocate<float>(0) == nullptr);
}
