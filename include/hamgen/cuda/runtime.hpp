// hamgen/cuda/runtime.hpp
//
// Represents: host-side CUDA runtime helpers: error checking, device discovery and an RAII device
//             buffer. Host code only: compiles with g++ or nvcc; link hamgen::cuda.
// Requires:   <cuda_runtime.h> (CUDA Toolkit 13). Never included by hamgen/hamgen.hpp.
// Ensures:    HAMGEN_CUDA_CHECK(expr) throws hamgen::cuda_error naming the call, file:line and
//             cudaGetErrorString; device_buffer<T> owns cudaMalloc'ed memory (no managed memory),
//             is move-only and never throws from its destructor.
#pragma once

#include <hamgen/core/error.hpp>

#include <cuda_runtime.h>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

namespace hamgen {

/// A failed CUDA runtime call.
class cuda_error : public std::runtime_error, public error {
public:
  explicit cuda_error(const std::string& what) : std::runtime_error(what) {}
  const char* message() const noexcept override { return what(); }
};

namespace cuda_rt {

inline void check(cudaError_t status, const char* expr, const char* file, int line) {
  if (status != cudaSuccess)
    throw cuda_error(detail::concat(expr, " failed at ", file, ":", line, ": ", cudaGetErrorName(status),
                                    " (", cudaGetErrorString(status), ")"));
}

/// True when a usable CUDA device exists; *why receives the runtime's answer otherwise.
inline bool device_available(cudaError_t* why = nullptr) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (why) *why = status;
  return status == cudaSuccess && count > 0;
}

/// Owning, move-only device allocation of n elements of T.
template <class T>
class device_buffer {
public:
  device_buffer() = default;
  explicit device_buffer(std::size_t n) : n_(n) {
    if (n_ > 0)
      check(cudaMalloc(reinterpret_cast<void**>(&p_), n_ * sizeof(T)), "cudaMalloc", __FILE__, __LINE__);
  }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  device_buffer(device_buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  device_buffer& operator=(device_buffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  ~device_buffer() {
    if (p_) (void)cudaFree(p_);
  }
  T* data() noexcept { return p_; }
  const T* data() const noexcept { return p_; }
  std::size_t size() const noexcept { return n_; }

  void upload(std::span<const T> host) {
    HAMGEN_CHECK_SHAPE(host.size() == n_, "device_buffer::upload: ", host.size(),
                       " elements into a buffer of ", n_);
    check(cudaMemcpy(p_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy(H2D)", __FILE__,
          __LINE__);
  }
  void download(std::span<T> host) const {
    HAMGEN_CHECK_SHAPE(host.size() == n_, "device_buffer::download: ", n_, " elements into a span of ",
                       host.size());
    check(cudaMemcpy(host.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy(D2H)", __FILE__,
          __LINE__);
  }

private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

} // namespace cuda_rt
} // namespace hamgen

#define HAMGEN_CUDA_CHECK(expr) ::hamgen::cuda_rt::check((expr), #expr, __FILE__, __LINE__)
#define HAMGEN_CUDA_CHECK_LAUNCH() HAMGEN_CUDA_CHECK(cudaGetLastError())
