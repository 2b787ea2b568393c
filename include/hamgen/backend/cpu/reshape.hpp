// hamgen/backend/cpu/reshape.hpp
//
// Represents: cpu data movement for reshape-like ops: reshape itself never moves data (row-major
//             order is kept); permute (general axis transposition, rank <= 8) does.
// Requires:   `in_shape` of `rank` extents, `perm` a permutation of 0..rank-1.
// Ensures:    y has extents in_shape[perm[k]] and y[i_0..] = x[j] with j_{perm[k]} = i_k.
#pragma once

#include <array>
#include <cstddef>

namespace hamgen::backend::cpu {

template <class T>
void permute(const T* x, T* y, const std::size_t* in_shape, const std::size_t* perm, std::size_t rank) {
  std::array<std::size_t, 8> in_stride{}, out_shape{}, src_stride{}, idx{};
  std::size_t n = 1;
  for (std::size_t k = rank; k-- > 0;) {
    in_stride[k] = n;
    n *= in_shape[k];
  }
  for (std::size_t k = 0; k < rank; ++k) {
    out_shape[k] = in_shape[perm[k]];
    src_stride[k] = in_stride[perm[k]];
  }
  if (n == 0) return;
  if (rank == 0) {
    y[0] = x[0];
    return;
  }
  const std::size_t last = rank - 1, inner = out_shape[last], inner_stride = src_stride[last];
  std::size_t src = 0;
  for (std::size_t o = 0; o < n; o += inner) {
    for (std::size_t i = 0; i < inner; ++i) y[o + i] = x[src + i * inner_stride];
    // advance the multi-index over all but the last axis
    for (std::size_t k = last; k-- > 0;) {
      src += src_stride[k];
      if (++idx[k] < out_shape[k]) break;
      src -= src_stride[k] * out_shape[k];
      idx[k] = 0;
    }
  }
}

} // namespace hamgen::backend::cpu
