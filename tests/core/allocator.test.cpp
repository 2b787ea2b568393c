#include <catch2/catch.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
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

TEST_CASE("cpu allocator: the huge-page interior of a buffer", "[core]") {
  using A = hamgen::device_allocator<hamgen::cpu_t>;
  constexpr std::uintptr_t mib = std::uintptr_t(1) << 20;
  // 2 MiB-aligned start: every whole page, the tail cut
  auto [f0, l0] = A::huge_page_interior(reinterpret_cast<void*>(8 * mib), 7 * mib);
  CHECK(f0 == 8 * mib);
  CHECK(l0 == 14 * mib);
  // unaligned start: the first partial page skipped
  auto [f1, l1] = A::huge_page_interior(reinterpret_cast<void*>(8 * mib + 64), 7 * mib);
  CHECK(f1 == 10 * mib);
  CHECK(l1 == 14 * mib);
  // no whole page inside
  auto [f2, l2] = A::huge_page_interior(reinterpret_cast<void*>(8 * mib + 64), 3 * mib);
  CHECK(f2 == l2);
}

#if defined(__linux__)
namespace {
/// The VmFlags line of the mapping in /proc/self/smaps that contains address a ("" if none).
std::string vm_flags_at(std::uintptr_t a) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = lo <= a && a < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return {};
}
} // namespace

TEST_CASE("cpu allocator advises a large buffer's interior MADV_HUGEPAGE", "[core]") {
  using A = hamgen::device_allocator<hamgen::cpu_t>;
  if (!A::huge_pages_advised()) {
    WARN("HAMGEN_HUGE_PAGES=0 or no MADV_HUGEPAGE: the advice is off, nothing to check");
    return;
  }
  const std::size_t n = (std::size_t(16) << 20) / sizeof(float);
  float* p = A::allocate<float>(n);
  std::memset(p, 1, n * sizeof(float));
  const auto [first, last] = A::huge_page_interior(p, n * sizeof(float));
  REQUIRE(last - first >= (std::size_t(14) << 20));
  const std::string inner = vm_flags_at(first + 4096),
                    outer = vm_flags_at(reinterpret_cast<std::uintptr_t>(p));
  A::deallocate(p, n);
  if (inner.empty()) {
    WARN("/proc/self/smaps has no VmFlags for the buffer: cannot check the advice here");
    return;
  }
  INFO("interior: " << inner << "\nstart: " << outer);
  CHECK(inner.find(" hg") != std::string::npos); // VM_HUGEPAGE set on the interior
  if (first > reinterpret_cast<std::uintptr_t>(p)) CHECK(outer.find(" hg") == std::string::npos);
}
#endif

#if defined(__GLIBC__)
TEST_CASE("cpu allocator serves buffers above glibc's mmap cap from the heap", "[core]") {
  using A = hamgen::device_allocator<hamgen::cpu_t>;
  const std::size_t n = (std::size_t(64) << 20) / sizeof(float); // above glibc's 32 MiB cap
  float* warm = A::allocate<float>(1024 * 1024);                 // the first large buffer sets it
  A::deallocate(warm, 1024 * 1024);
  if (!A::heap_reuse()) {
    WARN("HAMGEN_HEAP_REUSE=0 or the environment sets malloc's mmap threshold: nothing to check");
    return;
  }
  const std::size_t mapped = ::mallinfo2().hblks;
  std::size_t heap = 0;
  for (int round = 0; round < 2; ++round) {
    float* p = A::allocate<float>(n);
    p[0] = 1.0f;
    p[n - 1] = 2.0f;
    CHECK(::mallinfo2().hblks == mapped); // no mmapped chunk was added for it
    CHECK(p[0] + p[n - 1] == 3.0f);
    A::deallocate(p, n);
    // the freed buffer stays in the heap (not trimmed back to the system) ...
    CHECK(::mallinfo2().arena >= n * sizeof(float));
    // ... and the second round reuses it: the heap does not grow
    if (round == 0)
      heap = ::mallinfo2().arena;
    else
      CHECK(::mallinfo2().arena == heap);
  }
}
#endif
