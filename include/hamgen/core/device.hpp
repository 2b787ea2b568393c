// hamgen/core/device.hpp
//
// Represents: the device tags that select a backend at compile time (design.md §5.2).
//             `cpu` is always available; `cuda` is usable when hamgen/cuda/*.hpp is included and
//             the translation unit links hamgen::cuda. Code is written once over `Device` and the
//             ops facade dispatches with `if constexpr`.
// Ensures:    hamgen::cpu_t / hamgen::cuda_t types, their constexpr values, and the `device`
//             concept. Nothing here includes a CUDA header, so plain g++ TUs never need CUDA.
#pragma once

#include <concepts>

namespace hamgen {

struct cpu_t {
  static constexpr const char* name = "cpu";
};
struct cuda_t {
  static constexpr const char* name = "cuda";
};

inline constexpr cpu_t cpu{};
inline constexpr cuda_t cuda{};

/// A device tag: hamgen::cpu_t or hamgen::cuda_t.
template <class D>
concept device = std::same_as<D, cpu_t> || std::same_as<D, cuda_t>;

} // namespace hamgen
