// libhamgen_heap_peak.so: a malloc interposer for measuring the peak heap of a training step in ANY
// process (hamgen's benchmarks and the Python/PyTorch peers alike), loaded with LD_PRELOAD.
//   heap_peak_reset()  baseline := bytes in use now, peak := baseline
//   heap_peak_get()    peak bytes in use since the last reset, minus the baseline
// Every allocation entry point of glibc is wrapped (malloc, calloc, realloc, free, posix_memalign,
// aligned_alloc, memalign, valloc, pvalloc; operator new ends in malloc) and forwarded to glibc's
// __libc_* functions; sizes are the usable sizes glibc reports, so the figure is what the allocator
// really handed out. Memory obtained with mmap directly (no library here does that for tensors) is
// not seen. Python reaches the two functions with ctypes.CDLL("libhamgen_heap_peak.so"); C++ with
// dlsym(RTLD_DEFAULT, "heap_peak_get") (null when the library is not preloaded).
#include <malloc.h>

#include <atomic>
#include <cstddef>
#include <cstring>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {
std::atomic<long long> in_use{0}, peak{0}, base{0};

void note_alloc(void* p) {
  if (!p) return;
  const auto size = (long long)malloc_usable_size(p);
  const long long now = in_use.fetch_add(size, std::memory_order_relaxed) + size;
  long long old = peak.load(std::memory_order_relaxed);
  while (now > old && !peak.compare_exchange_weak(old, now, std::memory_order_relaxed)) {
  }
}
void note_free(void* p) {
  if (p) in_use.fetch_sub((long long)malloc_usable_size(p), std::memory_order_relaxed);
}
} // namespace

extern "C" {
__attribute__((visibility("default"))) void heap_peak_reset() noexcept {
  const long long now = in_use.load();
  base.store(now);
  peak.store(now);
}
__attribute__((visibility("default"))) long long heap_peak_get() noexcept {
  return peak.load() - base.load();
}
__attribute__((visibility("default"))) long long heap_in_use() noexcept { return in_use.load(); }

__attribute__((visibility("default"))) void* malloc(std::size_t n) noexcept {
  void* p = __libc_malloc(n);
  note_alloc(p);
  return p;
}
__attribute__((visibility("default"))) void* calloc(std::size_t n, std::size_t s) noexcept {
  void* p = __libc_calloc(n, s);
  note_alloc(p);
  return p;
}
__attribute__((visibility("default"))) void free(void* p) noexcept {
  note_free(p);
  __libc_free(p);
}
__attribute__((visibility("default"))) void* realloc(void* p, std::size_t n) noexcept {
  const std::size_t before = p ? malloc_usable_size(p) : 0;
  void* q = __libc_realloc(p, n);
  if (q) {
    in_use.fetch_sub((long long)before, std::memory_order_relaxed);
    note_alloc(q);
  } else if (n == 0 && p) {
    in_use.fetch_sub((long long)before, std::memory_order_relaxed);
  }
  return q;
}
__attribute__((visibility("default"))) void* memalign(std::size_t a, std::size_t n) noexcept {
  void* p = __libc_memalign(a, n);
  note_alloc(p);
  return p;
}
__attribute__((visibility("default"))) int posix_memalign(void** out, std::size_t a, std::size_t n) noexcept {
  void* p = __libc_memalign(a, n);
  if (!p) return 12; // ENOMEM
  note_alloc(p);
  *out = p;
  return 0;
}
__attribute__((visibility("default"))) void* aligned_alloc(std::size_t a, std::size_t n) noexcept {
  return memalign(a, n);
}
__attribute__((visibility("default"))) void* valloc(std::size_t n) noexcept { return memalign(4096, n); }
__attribute__((visibility("default"))) void* pvalloc(std::size_t n) noexcept {
  return memalign(4096, (n + 4095) / 4096 * 4096);
}
}
