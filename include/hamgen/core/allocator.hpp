// hamgen/core/allocator.hpp
//
// Represents: the storage abstraction behind hamgen::tensor. `device_allocator<Device>` hands out
//             raw, uninitialised, suitably aligned element buffers on one device; the tensor never
//             calls new/malloc itself, so a CUDA allocator (cudaMalloc or a caching pool) slots in
//             by specialising this template for hamgen::cuda_t (in hamgen/cuda/*.hpp) without
//             touching the tensor, the ops facade or any layer (design.md §5.2).
// Requires:   nothing beyond the standard library.
// Ensures:    device_allocator<cpu_t>::allocate<T>(n) returns a 64-byte aligned buffer of n
//             elements (nullptr for n == 0); deallocate<T>(p, n) releases it.
#pragma once

#include <cstddef>
#include <new>

#include <hamgen/core/device.hpp>

namespace hamgen {

/// Storage provider for one device. Only the cpu specialisation exists in plain C++ TUs.
template <device Device>
struct device_allocator;

template <>
struct device_allocator<cpu_t> {
  /// Alignment of every buffer: one cache line, enough for AVX2/AVX-512 aligned loads.
  static constexpr std::size_t alignment = 64;

  template <class T>
  static T* allocate(std::size_t n) {
    if (n == 0) return nullptr;
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{alignment}));
  }
  template <class T>
  static void deallocate(T* p, std::size_t /*n*/) noexcept {
    if (p) ::operator delete (static_cast<void*>(p), std::align_val_t{alignment});
  }
};

} // namespace hamgen
