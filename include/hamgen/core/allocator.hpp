// hamgen/core/allocator.hpp
//
// Represents: the storage abstraction behind hamgen::tensor. `device_allocator<Device>` hands out
//             raw, uninitialised, suitably aligned element buffers on one device; the tensor never
//             calls new/malloc itself, so a CUDA allocator (cudaMalloc or a caching pool) slots in
//             by specialising this template for hamgen::cuda_t (in hamgen/cuda/*.hpp) without
//             touching the tensor, the ops facade or any layer (design.md §5.2).
// Requires:   nothing beyond the standard library.
// Ensures:    device_allocator<cpu_t>::allocate<T>(n) returns a 64-byte aligned buffer of n
//             elements (nullptr for n == 0); deallocate<T>(p, n) releases it. Buffers up to
//             cache_max_bytes (4 KiB) are recycled through a per-thread cache of power-of-two size
//             classes (at most cache_blocks_per_class blocks per class and cache_total_bytes in
//             all), because an autodiff step creates and frees many small tensors; larger buffers
//             go straight to malloc (64 bytes over their size, for the alignment; nothing freed
//             stays counted toward a training step's peak memory). On Linux, the 2 MiB-aligned
//             interior of a buffer of >= huge_advice_min_bytes (4 MiB) is advised MADV_HUGEPAGE,
//             so the kernel backs it with transparent huge pages where they are enabled ("always"
//             or "madvise" in /sys/kernel/mm/transparent_hugepage/enabled): a fresh 32 MiB weight
//             gradient then costs 16 page faults instead of 8192 (the fault path measured at ~20 %
//             of a small-batch MLP training step). The buffer, its size and what malloc accounts
//             for it are unchanged; HAMGEN_HUGE_PAGES=0 in the environment turns the advice off.
//             With glibc, the first buffer above cache_max_bytes also raises malloc's mmap and
//             trim thresholds (mallopt M_MMAP_THRESHOLD, M_TRIM_THRESHOLD) to
//             heap_mmap_threshold_bytes (1 GiB): glibc otherwise maps every request above its
//             32 MiB cap afresh and unmaps it on free, so each training step page-faults and
//             zeroes its large activations again (the 8 x 256 x 64 x 64 float tensors of the HALO
//             encoder: ~4 % of its step, docs/benchmarks.md). From the heap, a freed buffer's
//             pages are reused by the next step. What malloc hands out, and so a step's peak heap,
//             is unchanged; pages stay resident between steps instead of being returned
//             (malloc_trim(0) returns free ones). Skipped when the environment sets the threshold
//             itself (MALLOC_MMAP_THRESHOLD_, or GLIBC_TUNABLES naming mmap_threshold) or
//             HAMGEN_HEAP_REUSE=0.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <hamgen/core/device.hpp>

namespace hamgen {

/// Storage provider for one device. Only the cpu specialisation exists in plain C++ TUs.
template <device Device>
struct device_allocator;

template <>
struct device_allocator<cpu_t> {
  /// Alignment of every buffer: one cache line, enough for AVX2/AVX-512 aligned loads.
  static constexpr std::size_t alignment = 64;
  static constexpr std::size_t cache_max_bytes = std::size_t(1) << 12;
  static constexpr std::size_t cache_blocks_per_class = 32;
  static constexpr std::size_t cache_total_bytes = std::size_t(1) << 16;
  /// Buffers from this size on get the huge-page advice (their aligned interior holds >= 1 page).
  static constexpr std::size_t huge_advice_min_bytes = std::size_t(4) << 20;
  static constexpr std::size_t huge_page_bytes = std::size_t(2) << 20;
  /// glibc: requests up to this size come from malloc's heap, not from a fresh mmap each, and
  /// up to this much free memory at the heap's top stays there.
  static constexpr std::size_t heap_mmap_threshold_bytes = std::size_t(1) << 30;

  /// Whether this process's large buffers are served from the heap: glibc, the mallopt call
  /// succeeded, and neither the environment (MALLOC_MMAP_THRESHOLD_, GLIBC_TUNABLES with
  /// mmap_threshold) nor HAMGEN_HEAP_REUSE=0 said otherwise. The first call makes the setting.
  static bool heap_reuse() noexcept {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    static const bool on = [] {
      if (switched_off("HAMGEN_HEAP_REUSE") || std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr) return false;
      const char* t = std::getenv("GLIBC_TUNABLES");
      if (t != nullptr && std::strstr(t, "mmap_threshold") != nullptr) return false;
      // the trim threshold too: freed buffers at the heap's top would otherwise go back to the
      // system at once (setting the mmap threshold fixes the trim threshold at 128 KiB)
      return ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(heap_mmap_threshold_bytes)) == 1 &&
             ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(heap_mmap_threshold_bytes)) == 1;
    }();
    return on;
#else
    return false;
#endif
  }

  /// Whether large buffers are advised MADV_HUGEPAGE: Linux, and HAMGEN_HUGE_PAGES is not "0".
  static bool huge_pages_advised() noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    static const bool on = !switched_off("HAMGEN_HUGE_PAGES");
    return on;
#else
    return false;
#endif
  }

  /// The whole 2 MiB pages inside [p, p + bytes), as [first, last) addresses (first == last when
  /// there is none).
  static std::pair<std::uintptr_t, std::uintptr_t> huge_page_interior(const void* p,
                                                                      std::size_t bytes) noexcept {
    const auto b = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t first = (b + huge_page_bytes - 1) & ~std::uintptr_t(huge_page_bytes - 1);
    const std::uintptr_t last = (b + bytes) & ~std::uintptr_t(huge_page_bytes - 1);
    return {first, std::max(first, last)};
  }

  template <class T>
  static T* allocate(std::size_t n) {
    if (n == 0) return nullptr;
    const std::size_t bytes = n * sizeof(T);
    if (bytes <= cache_max_bytes) {
      auto& c = cache();
      const std::size_t k = size_class(bytes);
      if (!c.free[k].empty()) {
        void* p = c.free[k].back();
        c.free[k].pop_back();
        c.bytes -= class_bytes(k);
        return static_cast<T*>(p);
      }
      return static_cast<T*>(::operator new (class_bytes(k), std::align_val_t{alignment}));
    }
    void* p = allocate_large(bytes);
    if (bytes >= huge_advice_min_bytes) advise_huge_pages(p, bytes);
    return static_cast<T*>(p);
  }
  template <class T>
  static void deallocate(T* p, std::size_t n) noexcept {
    if (!p) return;
    const std::size_t bytes = n * sizeof(T);
    if (bytes <= cache_max_bytes) {
      auto& c = cache();
      const std::size_t k = size_class(bytes);
      if (c.free[k].size() < cache_blocks_per_class && c.bytes + class_bytes(k) <= cache_total_bytes) {
        try {
          c.free[k].push_back(static_cast<void*>(p));
          c.bytes += class_bytes(k);
          return;
        } catch (...) {
        }
      }
      ::operator delete (static_cast<void*>(p), std::align_val_t{alignment});
      return;
    }
    deallocate_large(static_cast<void*>(p));
  }
  /// Returns the calling thread's cached blocks to the heap (e.g. before measuring peak memory).
  static void release_cached() noexcept {
    for (auto& v : cache().free) {
      for (void* p : v) ::operator delete (p, std::align_val_t{alignment});
      v.clear();
    }
    cache().bytes = 0;
  }
  /// Bytes held in the calling thread's cache.
  static std::size_t cached_bytes() noexcept {
    std::size_t b = 0;
    for (std::size_t k = 0; k < classes; ++k) b += cache().free[k].size() * class_bytes(k);
    return b;
  }

private:
  /// Whether the environment variable `name` is "0" (each switch reads it once, at its first use).
  static bool switched_off(const char* name) noexcept {
    const char* e = std::getenv(name);
    return e != nullptr && std::strcmp(e, "0") == 0;
  }
  /// A buffer above the cache's sizes: malloc(bytes + alignment), aligned by hand, with malloc's
  /// pointer stored just below the aligned one. (An aligned allocation asks glibc for the
  /// alignment and a minimum chunk on top of its size, so a freed buffer would never be large
  /// enough for the next request of the same size: each training step would grow the heap.)
  static void* allocate_large(std::size_t bytes) {
    (void)heap_reuse();
    void* raw = std::malloc(bytes + alignment);
    if (raw == nullptr) throw std::bad_alloc();
    const auto a = (reinterpret_cast<std::uintptr_t>(raw) + alignment) & ~std::uintptr_t(alignment - 1);
    void* p = reinterpret_cast<void*>(a);
    std::memcpy(static_cast<char*>(p) - sizeof(void*), &raw, sizeof(void*));
    return p;
  }
  static void deallocate_large(void* p) noexcept {
    void* raw = nullptr;
    std::memcpy(&raw, static_cast<char*>(p) - sizeof(void*), sizeof(void*));
    std::free(raw);
  }
  /// Advises the whole huge pages inside the buffer (a hint: failure changes nothing).
  static void advise_huge_pages([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!huge_pages_advised()) return;
    const auto [first, last] = huge_page_interior(p, bytes);
    if (last > first) (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
  }
  static constexpr std::size_t min_class_bytes = 64;
  static constexpr std::size_t classes = 7; // 64 B .. 4 KiB
  static std::size_t size_class(std::size_t bytes) noexcept {
    const std::size_t b = bytes < min_class_bytes ? min_class_bytes : bytes;
    return std::size_t(std::bit_width(b - 1)) - 6; // ceil(log2 b) - log2 64
  }
  static std::size_t class_bytes(std::size_t k) noexcept { return min_class_bytes << k; }
  struct block_cache {
    std::array<std::vector<void*>, classes> free;
    std::size_t bytes = 0; ///< total held
    ~block_cache() {
      for (auto& v : free)
        for (void* p : v) ::operator delete (p, std::align_val_t{alignment});
    }
  };
  static block_cache& cache() noexcept {
    thread_local block_cache c;
    return c;
  }
};

} // namespace hamgen
