// hamgen/core/xtensor_interop.hpp
//
// Represents: the single place hamgen includes xtensor (0.24, flat includes <xtensor/...>); if
//             xtensor moves its headers (0.26 uses <xtensor/containers/...>), only this shim changes.
// Requires:   a cpu tensor.
// Ensures:    as_xtensor(t) is a zero-copy, row-major xt::adapt view over t's buffer with t's shape;
//             writes through the view change t. The view must not outlive t.
#pragma once

#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include <hamgen/core/tensor.hpp>

namespace hamgen {

/// Zero-copy xtensor view of a cpu tensor (dynamic rank, row-major).
template <class T>
auto as_xtensor(tensor<T, cpu_t>& t) {
  std::vector<std::size_t> sh(t.shape().begin(), t.shape().end());
  return xt::adapt(t.data(), t.size(), xt::no_ownership(), sh);
}
template <class T>
auto as_xtensor(const tensor<T, cpu_t>& t) {
  std::vector<std::size_t> sh(t.shape().begin(), t.shape().end());
  return xt::adapt(t.data(), t.size(), xt::no_ownership(), sh);
}

} // namespace hamgen
