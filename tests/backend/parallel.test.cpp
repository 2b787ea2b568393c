#include <hamgen/backend/cpu/parallel.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace cpu = hamgen::backend::cpu;

TEST_CASE("parallel_for covers 0..n-1 exactly once for several thread counts", "[backend][parallel]") {
  const int saved = cpu::num_threads();
  for (int threads : {1, 2, 3, 5}) {
    cpu::set_num_threads(threads);
    CHECK(cpu::num_threads() == threads);
    for (long n : {0L, 1L, 2L, 7L, 1000L}) {
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
      cpu::parallel_for(n, [&](long b, long e) {
        for (long i = b; i < e; ++i) hits[static_cast<std::size_t>(i)]++;
      });
      bool ok = true;
      for (auto& h : hits) ok = ok && h.load() == 1;
      CHECK(ok);
    }
    // chunked form: chunk k gets the documented range
    std::vector<long> begin(3, -1);
    cpu::parallel_for_chunks(10, 3, [&](int k, long b, long) { begin[static_cast<std::size_t>(k)] = b; });
    CHECK(begin == std::vector<long>{0, 3, 6});
  }
  cpu::set_num_threads(saved);
}

TEST_CASE("parallel_for nests serially and propagates exceptions", "[backend][parallel]") {
  const int saved = cpu::num_threads();
  cpu::set_num_threads(2);
  std::atomic<long> total{0};
  cpu::parallel_for(4, [&](long b, long e) {
    for (long i = b; i < e; ++i) cpu::parallel_for(10, [&](long b2, long e2) { total += e2 - b2; });
  });
  CHECK(total.load() == 40);
  CHECK_THROWS_AS(cpu::parallel_for(8,
                                    [](long b, long) {
                                      if (b > 0) throw std::runtime_error("boom");
                                    }),
                  std::runtime_error);
  // the pool still works after an exception
  std::atomic<long> count{0};
  cpu::parallel_for(100, [&](long b, long e) { count += e - b; });
  CHECK(count.load() == 100);
  CHECK_THROWS_AS(cpu::set_num_threads(0), hamgen::value_error);
  cpu::set_num_threads(saved);
}

namespace {
struct big_scratch_tag {};
struct small_scratch_tag {};
} // namespace

TEST_CASE("release_scratch frees the named large scratch buffers of the calling thread",
          "[backend][parallel]") {
  float* big = cpu::scratch_buffer<float, big_scratch_tag>(1 << 18); // 1 MiB
  float* small = cpu::scratch_buffer<float, small_scratch_tag>(16);
  big[0] = 1.0f;
  small[0] = 2.0f;
  CHECK(cpu::scratch_buffer<float, big_scratch_tag>(100) == big); // grow-only: reused
  cpu::release_scratch<float, big_scratch_tag, small_scratch_tag>();
  CHECK(cpu::detail::scratch_storage<float, big_scratch_tag>().empty());
  CHECK(cpu::scratch_buffer<float, small_scratch_tag>(16) == small); // <= 4 KiB: kept
  CHECK(small[0] == 2.0f);
  float* again = cpu::scratch_buffer<float, big_scratch_tag>(1 << 10); // usable after release
  again[1023] = 3.0f;
  CHECK(cpu::detail::scratch_storage<float, big_scratch_tag>().size() == 1024);
  cpu::release_scratch<float, small_scratch_tag>(0);
  CHECK(cpu::detail::scratch_storage<float, small_scratch_tag>().empty());
  CHECK(cpu::detail::scratch_storage<float, big_scratch_tag>().size() == 1024); // not named: kept
}
