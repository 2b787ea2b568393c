// hamgen/backend/cpu/small_gemm.hpp
//
// Represents: an unpacked matrix product for small, cache-resident operands (the HNN / HGAN
//             motion model: widths ~100, batch ~16), column-major:
//               C (m x n) = init + A B, then optionally C ← [G > 0] ⊙ C or C ← max(C, 0), the
//               latter optionally with a second output M(i, j) = [C(i, j) > 0] · v_i (relu_mask: a
//               relu layer's activation and the mask of its derivative times a row vector at once),
//             A(i, p) = a[i + p·lda] (columns contiguous), B(p, j) = b[p·b_row + j·b_col] (any
//             strides: B is only read one element at a time), C(i, j) = c[i + j·ldc]; init is 0, C
//             itself (accumulate) or a per-row bias. A transposed row-major matrix is a valid A (its
//             rows are A's columns), so W x, Wᵀ x and the rank-B updates of a weight gradient all
//             take this form without copies.
// Requires:   T float or double; C does not alias A, B, G or M; m, n, k ≥ 0.
// Ensures:    on x86-64 CPUs with AVX2 and FMA (checked at run time, so a default -march build uses
//             it too) a register-blocked kernel with MR x 6 accumulator tiles (MR = 8 doubles / 16
//             floats), row tails by masked loads and stores, reading A and B directly (no packing:
//             what makes Eigen's GEMM slow at these sizes); elsewhere, and for k or n > 128 where
//             packing pays for itself, the same result through Eigen.
//             Results equal the naive sum up to floating-point reassociation (FMA contraction).
#pragma once

#include <algorithm>
#include <cstdint>

#include <Eigen/Core>

#include <hamgen/backend/cpu/parallel.hpp>
#include <hamgen/backend/cpu/simd.hpp>

namespace hamgen::backend::cpu {

enum class small_gemm_init : unsigned char { zero, accumulate, row_bias };
enum class small_gemm_epilogue : unsigned char { none, relu, gate, relu_mask };

template <class T>
struct small_gemm_args {
  index_t m = 0, n = 0, k = 0;
  const T* a = nullptr;
  index_t lda = 0;
  const T* b = nullptr;
  index_t b_row = 1, b_col = 0;
  T* c = nullptr;
  index_t ldc = 0;
  small_gemm_init init = small_gemm_init::zero;
  const T* bias = nullptr; ///< row_bias: m values
  small_gemm_epilogue epilogue = small_gemm_epilogue::none;
  const T* gate = nullptr; ///< gate: G(i, j) = gate[i + j·ldg]
  index_t ldg = 0;
  T* mask = nullptr;              ///< relu_mask: M(i, j) = mask[i + j·ldm] (must not alias C)
  index_t ldm = 0;                ///< relu_mask
  const T* mask_values = nullptr; ///< relu_mask: v, m values
};

namespace detail {

/// The portable path (and the reference the fast kernel is tested against).
template <class T>
void small_gemm_eigen(const small_gemm_args<T>& g) {
  using mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using cmap = Eigen::Map<const mat, 0, Eigen::OuterStride<>>;
  Eigen::Map<mat, 0, Eigen::OuterStride<>> C(g.c, g.m, g.n, Eigen::OuterStride<>(g.ldc));
  if (g.m == 0 || g.n == 0) return;
  switch (g.init) {
  case small_gemm_init::zero:
    C.setZero();
    break;
  case small_gemm_init::accumulate:
    break;
  case small_gemm_init::row_bias:
    C.colwise() = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(g.bias, g.m);
    break;
  }
  if (g.k > 0) {
    cmap A(g.a, g.m, g.k, Eigen::OuterStride<>(g.lda));
    // B with unit stride along one axis gets a plain (column- or row-major) map: Eigen's packing
    // is much faster on those than on a doubly strided map.
    if (g.b_row == 1) {
      C.noalias() += A * cmap(g.b, g.k, g.n, Eigen::OuterStride<>(g.b_col));
    } else if (g.b_col == 1) {
      using rmat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
      C.noalias() +=
          A * Eigen::Map<const rmat, 0, Eigen::OuterStride<>>(g.b, g.k, g.n, Eigen::OuterStride<>(g.b_row));
    } else {
      Eigen::Map<const mat, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>> B(
          g.b, g.k, g.n, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(g.b_col, g.b_row));
      C.noalias() += A * B;
    }
  }
  // epilogues as plain loops per column (the compiler vectorises them; Eigen 3.4's select() is scalar)
  if (g.epilogue == small_gemm_epilogue::relu || g.epilogue == small_gemm_epilogue::relu_mask) {
    for (index_t j = 0; j < g.n; ++j) {
      T* __restrict c = g.c + j * g.ldc;
      if (g.epilogue == small_gemm_epilogue::relu) {
        for (index_t i = 0; i < g.m; ++i) c[i] = c[i] > T(0) ? c[i] : T(0);
        continue;
      }
      T* __restrict mk = g.mask + j * g.ldm;
      const T* __restrict v = g.mask_values;
      for (index_t i = 0; i < g.m; ++i) {
        const bool pos = c[i] > T(0);
        c[i] = pos ? c[i] : T(0);
        mk[i] = pos ? v[i] : T(0);
      }
    }
  } else if (g.epilogue == small_gemm_epilogue::gate) {
    for (index_t j = 0; j < g.n; ++j) {
      T* c = g.c + j * g.ldc;
      const T* gt = g.gate + j * g.ldg;
      for (index_t i = 0; i < g.m; ++i) c[i] = gt[i] > T(0) ? c[i] : T(0);
    }
  }
}

#if HAMGEN_X86_SIMD

/// One (Regs·lanes) x NR tile of C. Full: all rows exist (no masks); Regs = 1 for short row tails.
template <class T, int NR, bool Full, int Regs>
[[gnu::target("avx2,fma")]] inline void small_gemm_tile(const small_gemm_args<T>& g, index_t i0, index_t j0,
                                                        __m256i m0, __m256i m1) {
  using V = avx<T>;
  using reg = typename V::vec;
  constexpr int W = V::lanes;
  reg acc0[NR], acc1[NR];
  if (g.init == small_gemm_init::row_bias) {
    const reg b0 = Full ? V::load(g.bias + i0) : V::mload(g.bias + i0, m0);
    const reg b1 = Regs == 2 ? (Full ? V::load(g.bias + i0 + W) : V::mload(g.bias + i0 + W, m1)) : V::zero();
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) {
      acc0[j] = b0;
      acc1[j] = b1;
    }
  } else {
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) {
      acc0[j] = V::zero();
      acc1[j] = V::zero();
    }
  }
  const T* ap = g.a + i0;
  const T* bp = g.b + j0 * g.b_col;
  const index_t bc = g.b_col;
  for (index_t p = 0; p < g.k; ++p, ap += g.lda, bp += g.b_row) {
    const reg a0 = Full ? V::load(ap) : V::mload(ap, m0);
    const reg a1 = Regs == 2 ? (Full ? V::load(ap + W) : V::mload(ap + W, m1)) : V::zero();
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) {
      const reg bj = V::bcast(bp + j * bc);
      acc0[j] = V::fmadd(a0, bj, acc0[j]);
      if constexpr (Regs == 2) acc1[j] = V::fmadd(a1, bj, acc1[j]);
    }
  }
  reg v0 = V::zero(), v1 = V::zero(); // relu_mask's row values
  if (g.epilogue == small_gemm_epilogue::relu_mask) {
    v0 = Full ? V::load(g.mask_values + i0) : V::mload(g.mask_values + i0, m0);
    if constexpr (Regs == 2)
      v1 = Full ? V::load(g.mask_values + i0 + W) : V::mload(g.mask_values + i0 + W, m1);
  }
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) {
    T* cp = g.c + i0 + (j0 + j) * g.ldc;
    reg r0 = acc0[j], r1 = acc1[j];
    if (g.init == small_gemm_init::accumulate) {
      r0 = V::add(r0, Full ? V::load(cp) : V::mload(cp, m0));
      if constexpr (Regs == 2) r1 = V::add(r1, Full ? V::load(cp + W) : V::mload(cp + W, m1));
    }
    if (g.epilogue == small_gemm_epilogue::relu || g.epilogue == small_gemm_epilogue::relu_mask) {
      r0 = V::max0(r0);
      if constexpr (Regs == 2) r1 = V::max0(r1);
      if (g.epilogue == small_gemm_epilogue::relu_mask) {
        T* mp = g.mask + i0 + (j0 + j) * g.ldm;
        if (Full) {
          V::store(mp, V::gate(r0, v0));
          if constexpr (Regs == 2) V::store(mp + W, V::gate(r1, v1));
        } else {
          V::mstore(mp, m0, V::gate(r0, v0));
          if constexpr (Regs == 2) V::mstore(mp + W, m1, V::gate(r1, v1));
        }
      }
    } else if (g.epilogue == small_gemm_epilogue::gate) {
      const T* gp = g.gate + i0 + (j0 + j) * g.ldg;
      r0 = V::gate(Full ? V::load(gp) : V::mload(gp, m0), r0);
      if constexpr (Regs == 2) r1 = V::gate(Full ? V::load(gp + W) : V::mload(gp + W, m1), r1);
    }
    if (Full) {
      V::store(cp, r0);
      if constexpr (Regs == 2) V::store(cp + W, r1);
    } else {
      V::mstore(cp, m0, r0);
      if constexpr (Regs == 2) V::mstore(cp + W, m1, r1);
    }
  }
}

/// The tile of width nr (1..6) at (i0, j0).
template <class T, bool Full, int Regs>
[[gnu::target("avx2,fma")]] inline void small_gemm_tile_n(const small_gemm_args<T>& g, index_t i0, index_t j0,
                                                          index_t nr, __m256i m0, __m256i m1) {
  switch (nr) {
  case 6:
    small_gemm_tile<T, 6, Full, Regs>(g, i0, j0, m0, m1);
    break;
  case 5:
    small_gemm_tile<T, 5, Full, Regs>(g, i0, j0, m0, m1);
    break;
  case 4:
    small_gemm_tile<T, 4, Full, Regs>(g, i0, j0, m0, m1);
    break;
  case 3:
    small_gemm_tile<T, 3, Full, Regs>(g, i0, j0, m0, m1);
    break;
  case 2:
    small_gemm_tile<T, 2, Full, Regs>(g, i0, j0, m0, m1);
    break;
  default:
    small_gemm_tile<T, 1, Full, Regs>(g, i0, j0, m0, m1);
    break;
  }
}

/// Every row panel of the columns [j0, j0 + nr): full panels, then the row tail (masked, or one
/// register wide when it is exactly one register of rows).
template <class T>
[[gnu::target("avx2,fma")]] inline void small_gemm_column_tile(const small_gemm_args<T>& g, index_t j0,
                                                               index_t nr) {
  using V = avx<T>;
  constexpr int W = V::lanes, MR = 2 * W;
  const __m256i all = V::mask(W);
  index_t i0 = 0;
  for (; i0 + MR <= g.m; i0 += MR) small_gemm_tile_n<T, true, 2>(g, i0, j0, nr, all, all);
  const index_t r = g.m - i0;
  if (r == W)
    small_gemm_tile_n<T, true, 1>(g, i0, j0, nr, all, all);
  else if (r > W)
    small_gemm_tile_n<T, false, 2>(g, i0, j0, nr, all, V::mask(int(r - W)));
  else if (r > 0)
    small_gemm_tile_n<T, false, 1>(g, i0, j0, nr, V::mask(int(r)), all);
}

/// Columns in ceil(n / 6) tiles of near-equal width (16 columns as 6 + 5 + 5, not 6 + 6 + 4: every
/// tile keeps enough accumulators to hide FMA latency). Column tiles outermost: the tile's k x nr
/// block of B stays in L1 while A streams from L2 (the loads per step are 2 of A against nr of B).
template <class T>
[[gnu::target("avx2,fma")]] inline void small_gemm_avx2(const small_gemm_args<T>& g) {
  const index_t tiles = (g.n + 5) / 6, base = g.n / tiles, wide = g.n % tiles;
  index_t j0 = 0;
  for (index_t t = 0; t < tiles; ++t) {
    const index_t nr = base + (t < wide ? 1 : 0);
    small_gemm_column_tile(g, j0, nr);
    j0 += nr;
  }
}

#endif // HAMGEN_X86_SIMD

} // namespace detail

/// Products with k or n above this go to Eigen's packed GEMM (measured on the HNN rollout: unpacked
/// wins by 15-25 % at batch 16 and loses at batch 256, where k or n is the batch).
inline constexpr index_t small_gemm_max_unpacked = 128;

/// Whether small_gemm runs the AVX2/FMA kernel on this CPU (else Eigen).
inline bool small_gemm_vectorized() noexcept {
#if HAMGEN_X86_SIMD
  return simd_avx2_fma_available();
#else
  return false;
#endif
}

/// C = init + A B (+ epilogue); see the header comment for the layout.
template <class T>
void small_gemm(const small_gemm_args<T>& g) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "small_gemm: T must be float or double");
  if (g.m <= 0 || g.n <= 0) return;
#if HAMGEN_X86_SIMD
  // Long inner dimensions (a weight gradient over a large batch) and many columns (a large batch)
  // amortise Eigen's packing.
  // (double keeps the unpacked kernel for many columns: 8 x 6 tiles beat Eigen's there, 16 x 6 float
  // tiles do not)
  const bool unpacked =
      g.k <= small_gemm_max_unpacked && (g.n <= small_gemm_max_unpacked || std::is_same_v<T, double>);
  if (unpacked && simd_avx2_fma_available()) {
    detail::small_gemm_avx2(g);
    return;
  }
#endif
  detail::small_gemm_eigen(g);
}

} // namespace hamgen::backend::cpu
