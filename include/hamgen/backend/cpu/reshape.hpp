// hamgen/backend/cpu/reshape.hpp
//
// Represents: cpu data movement for reshape-like ops: reshape itself never moves data (row-major
//             order is kept); permute (general axis transposition, rank <= 8) does; transpose is
//             the 2-d case on strided row-major blocks (the convolution's lowering uses it, and
//             permute hands it a rank-2 swap).
// Requires:   permute: `in_shape` of `rank` extents, `perm` a permutation of 0..rank-1.
//             transpose: src and dst do not overlap; row pitches >= the row lengths.
// Ensures:    permute: y has extents in_shape[perm[k]] and y[i_0..] = x[j] with j_{perm[k]} = i_k.
//             transpose: dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols; nothing else
//             of dst is written. With AVX2 (run-time check) full lanes x lanes blocks move through
//             register transposes (simd.hpp), the edges element by element.
#pragma once

#include <hamgen/backend/cpu/parallel.hpp>
#include <hamgen/backend/cpu/simd.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>

namespace hamgen::backend::cpu {

namespace detail {
/// The element-by-element transpose of rows [i0, i1) x cols [j0, j1), in square tiles.
template <class T>
void transpose_scalar(const T* __restrict src, index_t i0, index_t i1, index_t j0, index_t j1, index_t lds,
                      T* __restrict dst, index_t ldd) {
  constexpr index_t tile = 16;
  for (index_t a = i0; a < i1; a += tile)
    for (index_t b = j0; b < j1; b += tile) {
      const index_t ae = std::min(i1, a + tile), be = std::min(j1, b + tile);
      for (index_t j = b; j < be; ++j)
        for (index_t i = a; i < ae; ++i) dst[j * ldd + i] = src[i * lds + j];
    }
}

#if HAMGEN_X86_SIMD
template <class T>
[[gnu::target("avx2,fma")]] void transpose_avx(const T* src, index_t rows, index_t cols, index_t lds, T* dst,
                                               index_t ldd) {
  constexpr index_t L = avx<T>::lanes;
  const index_t fr = rows / L * L, fc = cols / L * L;
  // column strips of 4 blocks: the strip's source lines are reused across its rows
  for (index_t j0 = 0; j0 < fc; j0 += 4 * L) {
    const index_t je = std::min(fc, j0 + 4 * L);
    for (index_t i = 0; i < fr; i += L)
      for (index_t j = j0; j < je; j += L) avx<T>::transpose(src + i * lds + j, lds, dst + j * ldd + i, ldd);
  }
  transpose_scalar(src, 0, fr, fc, cols, lds, dst, ldd);
  transpose_scalar(src, fr, rows, 0, cols, lds, dst, ldd);
}
#endif
} // namespace detail

/// dst (cols x rows, row pitch ldd) = src (rows x cols, row pitch lds) transposed.
template <class T>
void transpose(const T* src, index_t rows, index_t cols, index_t lds, T* dst, index_t ldd) {
#if HAMGEN_X86_SIMD
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
    if (simd_avx2_fma_available()) {
      detail::transpose_avx(src, rows, cols, lds, dst, ldd);
      return;
    }
#endif
  detail::transpose_scalar(src, 0, rows, 0, cols, lds, dst, ldd);
}

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
  if (rank == 2 && perm[0] == 1) { // a matrix transpose
    transpose(x, index_t(in_shape[0]), index_t(in_shape[1]), index_t(in_shape[1]), y, index_t(in_shape[0]));
    return;
  }
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
