// hamgen/backend/cpu/parallel.hpp
//
// Represents: the CPU backend's intra-op parallelism: a tiny persistent thread pool and
//             parallel_for(n, f), which calls f(begin, end) on disjoint chunks of [0, n).
// Requires:   the standard library only (std::jthread, no OpenMP).
// Ensures:    the pool is created on first use with num_threads() - 1 workers (the caller is the
//             last worker); num_threads() defaults to the environment variable HAMGEN_NUM_THREADS
//             when set, otherwise std::thread::hardware_concurrency(); set_num_threads(k) changes it
//             (call it between parallel regions, not inside one). parallel_for splits [0, n) into
//             at most num_threads() contiguous chunks, runs them concurrently and returns when all
//             are done; the first exception thrown by a chunk is rethrown in the caller. A
//             parallel_for issued from inside a running chunk (nesting) runs serially on the
//             calling thread. Worker threads are persistent, so thread_local scratch buffers
//             (scratch_buffer below) survive from one call to the next and hot loops do not
//             allocate. The chunking is deterministic: the same n and thread count give the same
//             chunks, so reductions done per chunk are reproducible run to run.
#pragma once

#include <hamgen/core/error.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace hamgen::backend::cpu {

/// Signed index type used for every size and offset in the CPU kernels.
using index_t = std::int64_t;

namespace detail {

inline int default_thread_count() {
  if (const char* env = std::getenv("HAMGEN_NUM_THREADS")) {
    const int k = std::atoi(env);
    if (k >= 1) return k;
  }
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

inline thread_local bool in_parallel_region = false;

class thread_pool {
public:
  explicit thread_pool(int threads) { resize(threads); }
  ~thread_pool() { stop_workers(); }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    threads = std::max(threads, 1);
    if (threads == size() && !workers_.empty()) return;
    stop_workers();
    stop_ = false;
    // A new worker starts from the current generation: it must not replay a finished run.
    for (int i = 1; i < threads; ++i)
      workers_.emplace_back([this, i, g = generation_] { worker_loop(i, g); });
  }

  /// Runs task(k) for k in [0, chunks) with chunk 0 on the caller; returns when all are done.
  void run(int chunks, const std::function<void(int)>& task) {
    std::unique_lock lock(mutex_);
    task_ = &task;
    chunks_ = chunks;
    pending_ = chunks - 1;
    error_ = nullptr;
    ++generation_;
    lock.unlock();
    wake_.notify_all();
    run_chunk(0);
    lock.lock();
    done_.wait(lock, [this] { return pending_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

private:
  void run_chunk(int k) {
    in_parallel_region = true;
    try {
      (*task_)(k);
    } catch (...) {
      std::lock_guard guard(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    in_parallel_region = false;
  }

  void worker_loop(int id, std::uint64_t seen) {
    for (;;) {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (id >= chunks_) continue;
      lock.unlock();
      run_chunk(id);
      lock.lock();
      if (--pending_ == 0) done_.notify_all();
    }
  }

  void stop_workers() {
    {
      std::lock_guard guard(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    workers_.clear(); // jthread joins
  }

  std::vector<std::jthread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  int pending_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

inline int& thread_setting() {
  static int threads = default_thread_count();
  return threads;
}

inline thread_pool& pool() {
  static thread_pool p(thread_setting());
  return p;
}

inline std::mutex& pool_mutex() {
  static std::mutex m;
  return m;
}

} // namespace detail

/// Number of threads parallel_for uses (>= 1).
inline int num_threads() { return detail::thread_setting(); }

/// Sets the number of threads parallel_for uses (k >= 1). Not to be called inside a parallel_for.
inline void set_num_threads(int k) {
  HAMGEN_CHECK(k >= 1, "cpu::set_num_threads: thread count must be >= 1, got ", k);
  std::lock_guard guard(detail::pool_mutex());
  detail::thread_setting() = k;
  detail::pool().resize(k);
}

/// Number of chunks parallel_for(n, f, min_chunk) uses: min(num_threads(), n / min_chunk), at
/// least 1, and 1 inside a running chunk (nested regions run serially).
inline int parallel_chunks(index_t n, index_t min_chunk = 1) {
  if (n <= 0) return 0;
  min_chunk = std::max<index_t>(min_chunk, 1);
  const index_t max_chunks = std::max<index_t>(n / min_chunk, 1);
  const int chunks = static_cast<int>(std::min<index_t>(num_threads(), max_chunks));
  return detail::in_parallel_region ? 1 : std::max(chunks, 1);
}

/// Splits [0, n) into `chunks` contiguous ranges (chunk k is [n*k/chunks, n*(k+1)/chunks)) and
/// calls f(k, begin, end) for each, concurrently. Use with chunks = parallel_chunks(n, ...) when
/// each chunk needs its own reduction slot k.
template <class F>
void parallel_for_chunks(index_t n, int chunks, F&& f) {
  if (n <= 0) return;
  chunks = static_cast<int>(std::clamp<index_t>(chunks, 1, n));
  if (chunks == 1 || detail::in_parallel_region) {
    if (chunks == 1) {
      f(0, index_t{0}, n);
    } else {
      for (int k = 0; k < chunks; ++k) f(k, n * k / chunks, n * (k + 1) / chunks);
    }
    return;
  }
  std::lock_guard guard(detail::pool_mutex()); // one parallel region at a time
  const int workers = std::min(chunks, detail::pool().size());
  const std::function<void(int)> task = [&](int w) {
    for (int k = w; k < chunks; k += workers) f(k, n * k / chunks, n * (k + 1) / chunks);
  };
  detail::pool().run(workers, task);
}

/// Calls f(begin, end) on disjoint contiguous chunks covering [0, n), concurrently when
/// num_threads() > 1 and n allows it (each chunk gets at least min_chunk items).
template <class F>
void parallel_for(index_t n, F&& f, index_t min_chunk = 1) {
  parallel_for_chunks(n, parallel_chunks(n, min_chunk), [&](int, index_t b, index_t e) { f(b, e); });
}

namespace detail {
template <class T, class Tag>
std::vector<T>& scratch_storage() {
  thread_local std::vector<T> buf;
  return buf;
}
} // namespace detail

/// A per-thread, grow-only scratch buffer: scratch_buffer<T, Tag>(n) returns a pointer to at
/// least n elements owned by the calling thread (uninitialised contents). Different Tag types
/// give independent buffers, so one kernel can hold several at once. Kernels whose buffers can
/// be large (conv column buffers, RNN gate buffers) hand theirs back with release_scratch at the
/// end of each call, so they count toward a step's peak memory only while the kernel runs.
template <class T, class Tag>
T* scratch_buffer(std::size_t n) {
  auto& buf = detail::scratch_storage<T, Tag>();
  if (buf.size() < n) {
    buf.clear();
    buf.shrink_to_fit();
    buf.resize(n);
  }
  return buf.data();
}

/// Frees the calling thread's scratch_buffer<T, Tag> for each Tag when it holds more than
/// keep_bytes (smaller buffers stay for the next call).
template <class T, class... Tags>
void release_scratch(std::size_t keep_bytes = std::size_t(1) << 12) noexcept {
  auto release = [keep_bytes](std::vector<T>& b) {
    if (b.size() * sizeof(T) > keep_bytes) {
      b.clear();
      b.shrink_to_fit();
    }
  };
  (release(detail::scratch_storage<T, Tags>()), ...);
}

} // namespace hamgen::backend::cpu
