// hamgen/ops/dispatch.hpp
//
// Represents: the device-dispatch helpers shared by the ops facade (design.md §5.2): every op in
//             hamgen::ops is one function template over the device tag that calls
//             backend::cpu::... under `if constexpr (is_cpu<Device>)`; a CUDA backend adds its
//             branch here without changing any caller.
// Ensures:    no_backend<Device> is false for every device so `static_assert(no_backend<D>, ...)`
//             fires only when a branch without an implementation is instantiated.
#pragma once

#include <concepts>

#include <hamgen/core/device.hpp>

namespace hamgen::ops {

template <class Device>
inline constexpr bool is_cpu = std::same_as<Device, cpu_t>;

template <class Device>
inline constexpr bool no_backend = false;

} // namespace hamgen::ops
