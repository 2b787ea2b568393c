#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include <hamgen/core/allocator.hpp>

TEST_CASE("cpu allocator returns aligned, reusable buffers", "[core]") {
  using A = hamgen::device_allocator<hamgen::cpu_t>;
  for (std::size_t n : {1u, 17u, 1000u, 300000u}) {
    double* p = A::allocate<double>(n);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % A::alignment == 0);
    std::memset(p, 0, n * sizeof(double)); // the whole range is writable
    A::deallocate(p, n);
  }
  // a freed small block is handed out again for a request of the same size class
  float* a = A::allocate<float>(100);
  A::deallocate(a, 100);
  float* b = A::allocate<float>(120);
  CHECK(a == b);
  A::deallocate(b, 120);
  CHECK(A::allocate<float>(0) == nullptr);
}

TEST_CASE("cpu allocator cache can be released", "[core]") {
  using A = hamgen::device_allocator<hamgen::cpu_t>;
  A::release_cached();
  CHECK(A::cached_bytes() == 0);
  float* a = A::allocate<float>(1000); // 4000 bytes -> the 4096-byte class
  A::deallocate(a, 1000);
  CHECK(A::cached_bytes() == 4096);
  A::release_cached();
  CHECK(A::cached_bytes() == 0);
  float* b = A::allocate<float>(10);
  CHECK(reinterpret_cast<std::uintptr_t>(b) % A::alignment == 0);
  A::deallocate(b, 10);
  CHECK(A::cached_bytes() == 64);
}

TEST_CASE("cpu allocator cache holds only small blocks, at most cache_total_bytes", "[core]") {
  using A = hamgen::device_allocator<hamgen::cpu_t>;
  A::release_cached();
  std::vector<float*> blocks;
  for (int i = 0; i < 256; ++i) blocks.push_back(A::allocate<float>(256)); // 1 KiB each, 256 KiB in all
  for (float* p : blocks) A::deallocate(p, 256);
  CHECK(A::cached_bytes() <= A::cache_total_bytes);
  CHECK(A::cached_bytes() > 0);
  float* big = A::allocate<float>(A::cache_max_bytes); // 4x the largest cached class: not cached
  A::deallocate(big, A::cache_max_bytes);
  CHECK(A::cached_bytes() <= A::cache_total_bytes);
  A::release_cached();
  CHECK(A::cached_bytes() == 0);
}
