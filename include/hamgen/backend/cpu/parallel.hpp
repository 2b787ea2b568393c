// hamgen/backend/cpu/parallel.hpp
//
// Represents: the cpu backend's threading: a small persistent pool and parallel_for(n, grain, f).
//             Chosen over OpenMP so threading does not depend on the consumer passing -fopenmp
//             (hamgen is header-only; Eigen's own GEMM threading needs -fopenmp and is not used).
// Requires:   f(begin, end) callable concurrently on disjoint ranges.
// Ensures:    parallel_for runs f over [0, n) split into at most num_threads() contiguous chunks,
//             each at least `grain` long (so small ops stay on the calling thread); nested calls
//             from inside a pool task run serially. Thread count: set_num_threads(k), else the
//             environment variable HAMGEN_NUM_THREADS, else OMP_NUM_THREADS, else the hardware
//             concurrency. Exceptions thrown by f are rethrown on the calling thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace hamgen::backend::cpu {

namespace detail {

inline std::size_t default_threads() {
  for (const char* var : {"HAMGEN_NUM_THREADS", "OMP_NUM_THREADS"}) {
    if (const char* s = std::getenv(var)) {
      const long v = std::strtol(s, nullptr, 10);
      if (v >= 1) return static_cast<std::size_t>(v);
    }
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

inline thread_local bool in_pool_task = false;

class thread_pool {
public:
  explicit thread_pool(std::size_t n) : n_(std::max<std::size_t>(n, 1)) {
    for (std::size_t i = 1; i < n_; ++i) workers_.emplace_back([this] { loop(); });
  }
  ~thread_pool() {
    {
      std::lock_guard lk(m_);
      stop_ = true;
    }
    cv_start_.notify_all();
    for (auto& w : workers_) w.join();
  }
  std::size_t size() const noexcept { return n_; }

  /// Runs task(i) for i in [0, ntasks) on the pool and the calling thread; blocks until done.
  void run(std::size_t ntasks, const std::function<void(std::size_t)>& task) {
    std::lock_guard run_lk(run_m_); // one parallel region at a time
    {
      std::lock_guard lk(m_);
      task_ = &task;
      ntasks_ = ntasks;
      next_.store(0);
      pending_ = workers_.size();
      error_ = nullptr;
      ++generation_;
    }
    cv_start_.notify_all();
    work();
    std::unique_lock lk(m_);
    cv_done_.wait(lk, [&] { return pending_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

private:
  void work() {
    const bool was = in_pool_task;
    in_pool_task = true;
    for (std::size_t i; (i = next_.fetch_add(1)) < ntasks_;) {
      try {
        (*task_)(i);
      } catch (...) {
        std::lock_guard lk(m_);
        if (!error_) error_ = std::current_exception();
      }
    }
    in_pool_task = was;
  }
  void loop() {
    std::size_t seen = 0;
    for (;;) {
      {
        std::unique_lock lk(m_);
        cv_start_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      work();
      {
        std::lock_guard lk(m_);
        --pending_;
      }
      cv_done_.notify_one();
    }
  }

  std::size_t n_;
  std::vector<std::thread> workers_;
  std::mutex m_, run_m_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t ntasks_ = 0;
  std::atomic<std::size_t> next_{0};
  std::size_t pending_ = 0;
  std::size_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

struct pool_holder {
  std::mutex m;
  std::size_t requested = 0; // 0: default_threads()
  std::unique_ptr<thread_pool> pool;
};
inline pool_holder& holder() {
  static pool_holder h;
  return h;
}
inline thread_pool& pool() {
  auto& h = holder();
  std::lock_guard lk(h.m);
  if (!h.pool) h.pool = std::make_unique<thread_pool>(h.requested ? h.requested : default_threads());
  return *h.pool;
}

} // namespace detail

/// Number of threads cpu ops may use (including the calling thread).
inline std::size_t num_threads() { return detail::pool().size(); }

/// Sets the number of threads (>= 1); takes effect immediately (the pool is rebuilt).
inline void set_num_threads(std::size_t n) {
  auto& h = detail::holder();
  std::lock_guard lk(h.m);
  h.requested = std::max<std::size_t>(n, 1);
  h.pool.reset();
}

/// Runs f(begin, end) over [0, n) in contiguous chunks of at least `grain` elements.
template <class F>
void parallel_for(std::size_t n, std::size_t grain, F&& f) {
  if (n == 0) return;
  if (detail::in_pool_task || n < 2 * std::max<std::size_t>(grain, 1)) {
    f(std::size_t(0), n);
    return;
  }
  auto& p = detail::pool();
  const std::size_t chunks = std::min(p.size(), n / std::max<std::size_t>(grain, 1));
  if (chunks <= 1) {
    f(std::size_t(0), n);
    return;
  }
  const std::function<void(std::size_t)> task = [&](std::size_t c) {
    const std::size_t b = n * c / chunks, e = n * (c + 1) / chunks;
    if (b < e) f(b, e);
  };
  p.run(chunks, task);
}

/// Elementwise ops below this many elements run on the calling thread.
inline constexpr std::size_t elementwise_grain = 32768;

} // namespace hamgen::backend::cpu
