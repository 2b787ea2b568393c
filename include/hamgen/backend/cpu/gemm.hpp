// hamgen/backend/cpu/gemm.hpp
//
// Represents: the CPU backend's dense matrix product on row-major buffers,
//               C (m x n) = alpha op(A) op(B) + beta C,
//             op(A) = A (m x k) or A^T (A stored k x m), op(B) = B (k x n) or B^T (B stored n x k),
//             with explicit leading dimensions (row strides) so sub-blocks can be addressed.
// Requires:   Eigen 3.4; T float or double; C does not alias A or B; lda/ldb/ldc >= the stored
//             row lengths; ~200 KiB of stack in the calling thread (the broadcast and packed
//             kernels keep their packed blocks there rather than on the heap).
// Ensures:    four kernels, chosen by shape (gemm_kernel_for<T>; gemm(kernel, ...) forces one):
//             - eigen: Eigen's blocked GEMM (AVX2/FMA kernels when compiled with -march=x86-64-v3
//               or better); large square-ish products, op(A)^T op(B)^T, operands that stay in
//               cache, and always when the CPU lacks AVX2+FMA.
//             - broadcast (op = A B^T, the smaller side more than one vector and <= 96 rows, the
//               larger side >= 512 KiB for <= 3 vectors of rows, >= 2 MiB for more; e.g. a Linear
//               layer's forward x W^T at a small batch):
//               the few rows are packed transposed into 1-3-vector panels (k-slices of <= 192
//               KiB on the stack, so they sit in L2); the many rows stream from memory once, in
//               place, each element broadcast into an MR x NV tile of 12 accumulators (MR = 12 /
//               NV rows), with no packing and no horizontal sums; each group of rows prefetches
//               the next group.
//             - dot (op = A B^T, min(m, n) <= one vector, rows of k >= 2 KiB; the same forward at
//               batch 1-8): every C entry is a dot product of two contiguous rows; a 3 x 4 tile of
//               256-bit accumulators (reduced with horizontal adds) reads the big operand once,
//               sequentially and without packing, K-blocked so the small operand's block (~96
//               KiB) stays in L2; each tile prefetches a slice of the next big-operand rows.
//             - packed (op(B) = B with m <= 96 and B >= 4 MiB (float) / 2 MiB (double), e.g. the
//               input gradient dy W of a layer at a small batch, where Eigen packs the whole B on
//               every call; k <= 64 with C >= 8 MiB, a weight gradient): a 6 x
//               2-vector register tile of fused multiply-adds over 6-row panels of op(A) and
//               2-vector-wide panels of B (the layout of Goto and van de Geijn, "Anatomy of
//               high-performance matrix multiplication", ACM TOMS 34(3), 2008). With m <= 96, B
//               streams from memory once in L1-sized blocks (<= 256 deep, 4 panels wide) that the
//               first row tile packs as it multiplies, op(A) is packed per k-slice, both on the
//               stack; with more rows, B is packed in ~256 KiB blocks (<= 128 deep, panels padded
//               against L1 set conflicts). Either way the tiles of one block prefetch the next B
//               block a slice each. A product of one k-block with beta == 0 and a C of >= 2 MiB
//               (32-byte aligned rows) writes C with non-temporal stores. Forced with
//               gemm(gemm_kernel::packed, ...) it serves every
//               shape and transpose (op(B) = B^T is packed through lanes x lanes transposes).
//             The broadcast, dot and packed kernels are compiled for AVX2+FMA through function target
//             attributes and run only when __builtin_cpu_supports reports both, so binaries built
//             for baseline x86-64 use them too. When m*n*k is large (>= 2^20 multiply-adds) the
//             larger of m and n is split into num_threads() slices computed concurrently (every
//             slice runs the kernel chosen for the whole product). beta == 0 never reads C (so C
//             may hold NaN garbage); the padding between rows of C (ldc > n) is never written.
//             Sums are accumulated in T in a kernel-dependent order.
#pragma once

#include <hamgen/backend/cpu/parallel.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <hamgen/backend/cpu/simd.hpp>

// HAMGEN_GEMM_X86_SIMD = 0 (set before including) compiles the Eigen path only.
#ifndef HAMGEN_GEMM_X86_SIMD
#define HAMGEN_GEMM_X86_SIMD HAMGEN_X86_SIMD
#endif

namespace hamgen::backend::cpu {

/// The kernels gemm can run; automatic lets gemm_kernel_for choose by shape.
enum class gemm_kernel { automatic, eigen, dot, packed, broadcast };

/// Rows of op(A) up to which the packed kernel takes its few-rows path (B streamed once in
/// L1-sized blocks, buffers on the stack) and gemm_kernel_for chooses it for a large B.
inline constexpr index_t packed_few_rows = 96;
/// Rows of the few side one pass of the broadcast kernel takes (more are split into passes), and
/// the most for which gemm_kernel_for chooses it.
inline constexpr index_t broadcast_max_few = 96;
/// Whether this CPU runs the AVX2+FMA kernels (broadcast, dot, packed).
inline bool gemm_simd_available() {
#if HAMGEN_GEMM_X86_SIMD
  return simd_avx2_fma_available();
#else
  return false;
#endif
}

/// Whether kernel `kern` can compute op(A) op(B) on this CPU (eigen always can; dot and broadcast
/// need op = A B^T; dot, broadcast and packed need AVX2+FMA).
inline bool gemm_kernel_supports(gemm_kernel kern, bool trans_a, bool trans_b) {
  switch (kern) {
  case gemm_kernel::automatic:
  case gemm_kernel::eigen:
    return true;
  case gemm_kernel::dot:
  case gemm_kernel::broadcast:
    return gemm_simd_available() && !trans_a && trans_b;
  case gemm_kernel::packed:
    return gemm_simd_available();
  }
  return false;
}

/// Bytes of B from which gemm_kernel_for chooses the packed kernel's few-rows path (m <= 96,
/// op(B) = B): 4 MiB of float, 2 MiB of double. Measured on a Zen 4 core (1 MiB L2), 24-96 rows,
/// each product's rate as a share of an FMA loop run between its calls: packed 74-82 % against
/// Eigen 59-74 % on five float shapes with a 4 MiB B; Eigen ahead with 1-2 MiB (70-78 % against
/// 66-68 %). In double, packed led from 2 MiB (77-81 % against 50-73 %).
template <class T>
inline constexpr std::int64_t packed_min_b_bytes = std::int64_t{sizeof(T) == 4 ? 4 : 2} << 20;

/// The kernel gemm uses for this shape and element type T:
/// - broadcast for A B^T when the smaller of m and n spans more than one vector (> 8 floats or 4
///   doubles) and at most 96 rows, and the larger side's rows hold >= 512 KiB (few rows in one
///   panel of <= 3 vectors) or >= 2 MiB (more panels); a Linear layer's forward x W^T at a small
///   batch: W streams once, broadcast, and is never packed. Below those sizes (e.g. a convolution's
///   weight gradient over one image, 64 x 512 x 576) Eigen measured as fast;
/// - dot for A B^T when min(m, n) fits one vector and k spans >= 2 KiB (k >= 512 floats or 256
///   doubles: shorter rows leave too few vector steps per tile to pay for the horizontal reductions;
///   the same forward at batch 1-8);
/// - packed for op(B) = B when m <= 96 and B holds >= packed_min_b_bytes (4 MiB of float, 2 MiB
///   of double; the input gradient dy W of a layer at a small batch: Eigen would pack the whole B
///   on every call), and when k <= 64 and C
///   holds >= 8 MiB (the weight gradient dy^T x of a large layer at a small batch: the rank-k
///   update writes every C entry once, where Eigen first zeroes C in a separate pass);
/// - eigen otherwise: large square-ish products, op(A)^T op(B)^T, operands small enough to stay in
///   cache (Eigen measured as fast), and whenever AVX2+FMA are missing.
template <class T>
gemm_kernel gemm_kernel_for(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k) {
  if (!gemm_simd_available()) return gemm_kernel::eigen;
  if (!trans_a && trans_b) {
    constexpr std::int64_t lanes = 32 / std::int64_t(sizeof(T));
    const std::int64_t few = std::min(m, n), many = std::max(m, n);
    if (few > broadcast_max_few) return gemm_kernel::eigen;
    if (few > lanes) {
      // one panel (few <= 3 vectors) reads the many side once; more panels re-read it from cache
      // once each, which only pays when it streams from memory
      const std::int64_t min_bytes = few <= 3 * lanes ? std::int64_t{512} << 10 : std::int64_t{2} << 20;
      return many * k * std::int64_t(sizeof(T)) >= min_bytes ? gemm_kernel::broadcast : gemm_kernel::eigen;
    }
    const bool deep = k * std::int64_t(sizeof(T)) >= 2048; // >= 64 vector steps per tile and k-block
    return deep ? gemm_kernel::dot : gemm_kernel::eigen;
  }
  if (!trans_b) {
    const bool big_b = k * n * std::int64_t(sizeof(T)) >= packed_min_b_bytes<T>;
    if (m <= packed_few_rows) return big_b ? gemm_kernel::packed : gemm_kernel::eigen;
    const bool big_c = m * n * std::int64_t(sizeof(T)) >= (std::int64_t{8} << 20);
    return k <= 64 && big_c ? gemm_kernel::packed : gemm_kernel::eigen;
  }
  return gemm_kernel::eigen;
}

namespace detail {
template <class T>
using strided_map =
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>;
template <class T>
using cstrided_map = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0,
                                Eigen::OuterStride<>>;

template <class T, class AX, class BX>
void gemm_block(T alpha, const AX& A, const BX& B, T beta, strided_map<T> C) {
  if (beta == T(0)) {
    C.noalias() = alpha * (A * B);
  } else {
    if (beta != T(1)) C *= beta;
    C.noalias() += alpha * (A * B);
  }
}

/// Serial Eigen product on one block (k >= 1).
template <class T>
void eigen_gemm(bool trans_a, bool trans_b, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
                const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  strided_map<T> C(c, m, n, Eigen::OuterStride<>(ldc));
  if (!trans_a && !trans_b) {
    gemm_block(alpha, cstrided_map<T>(a, m, k, Eigen::OuterStride<>(lda)),
               cstrided_map<T>(b, k, n, Eigen::OuterStride<>(ldb)), beta, C);
  } else if (!trans_a && trans_b) {
    gemm_block(alpha, cstrided_map<T>(a, m, k, Eigen::OuterStride<>(lda)),
               cstrided_map<T>(b, n, k, Eigen::OuterStride<>(ldb)).transpose(), beta, C);
  } else if (trans_a && !trans_b) {
    gemm_block(alpha, cstrided_map<T>(a, k, m, Eigen::OuterStride<>(lda)).transpose(),
               cstrided_map<T>(b, k, n, Eigen::OuterStride<>(ldb)), beta, C);
  } else {
    gemm_block(alpha, cstrided_map<T>(a, k, m, Eigen::OuterStride<>(lda)).transpose(),
               cstrided_map<T>(b, n, k, Eigen::OuterStride<>(ldb)).transpose(), beta, C);
  }
}

/// c = alpha s + beta c, where beta == 0 never reads c.
template <class T>
inline void update(T& c, T s, T alpha, T beta) {
  c = beta == T(0) ? alpha * s : alpha * s + beta * c;
}

#if HAMGEN_GEMM_X86_SIMD

/// A run of cache lines to prefetch while a tile computes: lines [first, first + count) of a
/// block of rows (row r starts at base + r * ld, row_lines lines per row), issued a few per
/// loop iteration so the loads spread over the tile instead of arriving in one burst.
template <class T>
struct prefetch_run {
  static constexpr index_t line = 64 / index_t(sizeof(T)); // elements per cache line
  const T* base = nullptr;
  index_t ld = 0, row_lines = 1, first = 0, count = 0;

  /// The lines of tile `tile` of `tiles` when `total` lines are shared evenly.
  prefetch_run slice(index_t tile, index_t tiles, index_t total) const {
    prefetch_run r = *this;
    r.first = tile * total / tiles;
    r.count = (tile + 1) * total / tiles - r.first;
    return r;
  }
};

/// Cursor over a prefetch_run: next(n) issues the next n prefetches (fewer at the end).
template <class T>
struct prefetch_cursor {
  const T* row;
  index_t ld, offset, row_end, left;
  explicit prefetch_cursor(const prefetch_run<T>& r)
      : row(r.base + (r.row_lines > 0 ? r.first / r.row_lines : 0) * r.ld), ld(r.ld),
        offset(r.row_lines > 0 ? (r.first % r.row_lines) * prefetch_run<T>::line : 0),
        row_end(r.row_lines * prefetch_run<T>::line), left(r.base == nullptr ? 0 : r.count) {}
  [[gnu::always_inline]] inline void next(index_t n) {
    for (; n > 0 && left > 0; --n, --left) {
      _mm_prefetch(reinterpret_cast<const char*>(row + offset), _MM_HINT_T0);
      offset += prefetch_run<T>::line;
      if (offset >= row_end) {
        offset = 0;
        row += ld;
      }
    }
  }
};

/// A prefetch_run spread evenly over a tile's kc loop steps: tick() once per step issues
/// per_iter prefetches every `every` steps (a countdown, not a call to the cursor per step).
template <class T>
struct prefetch_pacer {
  prefetch_cursor<T> cur;
  index_t per_iter, every, countdown;
  prefetch_pacer(const prefetch_run<T>& pf, index_t kc)
      : cur(pf), per_iter(cur.left > kc ? (cur.left + kc - 1) / kc : 1),
        every(cur.left > 0 && cur.left < kc ? kc / cur.left : 1), countdown(cur.left > 0 ? 1 : kc + 1) {}
  [[gnu::always_inline]] inline void tick() {
    if (--countdown == 0) {
      countdown = every;
      cur.next(per_iter);
    }
  }
};

// ---- dot kernel: C = alpha A B^T + beta C, A (m x k, lda), B (n x k, ldb) ----

/// s[i*4 + j] = sum_{p < kc} a[i*lda + p] b[j*ldb + p] for i < MR, j < NR, prefetching pf
/// (lines of the next rows of the operand that streams from memory) on the way.
template <class T, int MR, int NR>
[[gnu::target("avx2,fma")]] void dot_tile(index_t kc, const T* a, index_t lda, const T* b, index_t ldb, T* s,
                                          const prefetch_run<T>& pf) {
  using S = avx<T>;
  using V = typename S::vec;
  constexpr int L = S::lanes;
  V acc[MR][NR];
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) acc[i][j] = S::zero();
  prefetch_cursor<T> cur(pf);
  index_t p = 0;
  for (; p + L <= kc; p += L) {
    cur.next(1);
    V av[MR];
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) av[i] = S::load(a + i * lda + p);
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) {
      const V bv = S::load(b + j * ldb + p);
#pragma GCC unroll 4
      for (int i = 0; i < MR; ++i) acc[i][j] = S::fmadd(av[i], bv, acc[i][j]);
    }
  }
  cur.next(cur.left);
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i) {
    if constexpr (NR == 4) {
      S::hsum4(acc[i][0], acc[i][1], acc[i][2], acc[i][3], s + i * 4);
    } else {
#pragma GCC unroll 4
      for (int j = 0; j < NR; ++j) s[i * 4 + j] = S::hsum(acc[i][j]);
    }
  }
  for (; p < kc; ++p)
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) s[i * 4 + j] += a[i * lda + p] * b[j * ldb + p];
}

template <class T, int MR>
void dot_tile_n(int nr, index_t kc, const T* a, index_t lda, const T* b, index_t ldb, T* s,
                const prefetch_run<T>& pf) {
  switch (nr) {
  case 4:
    dot_tile<T, MR, 4>(kc, a, lda, b, ldb, s, pf);
    break;
  case 3:
    dot_tile<T, MR, 3>(kc, a, lda, b, ldb, s, pf);
    break;
  case 2:
    dot_tile<T, MR, 2>(kc, a, lda, b, ldb, s, pf);
    break;
  default:
    dot_tile<T, MR, 1>(kc, a, lda, b, ldb, s, pf);
    break;
  }
}

/// One tile of up to 3 rows of A and 4 rows of B over k in [p0, p0 + kc); the first k-block
/// applies beta, later ones accumulate.
template <class T>
void dot_block(index_t i0, int mr, index_t j0, int nr, index_t p0, index_t kc, bool first, T alpha,
               const T* a, index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc,
               const prefetch_run<T>& pf) {
  T s[3 * 4];
  const T* ap = a + i0 * lda + p0;
  const T* bp = b + j0 * ldb + p0;
  switch (mr) {
  case 3:
    dot_tile_n<T, 3>(nr, kc, ap, lda, bp, ldb, s, pf);
    break;
  case 2:
    dot_tile_n<T, 2>(nr, kc, ap, lda, bp, ldb, s, pf);
    break;
  default:
    dot_tile_n<T, 1>(nr, kc, ap, lda, bp, ldb, s, pf);
    break;
  }
  const T bt = first ? beta : T(1);
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) update(c[(i0 + i) * ldc + j0 + j], s[i * 4 + j], alpha, bt);
}

/// Serial dot kernel on one block (k >= 1). The small side is K-blocked (~96 KiB, in L2) while
/// the big side streams through once; the tiles of each group of big-side rows prefetch the
/// next group's rows, a slice each.
template <class T>
void dot_gemm(index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda, const T* b, index_t ldb,
              T beta, T* c, index_t ldc) {
  const index_t small = std::min(m, n);
  constexpr index_t kc_bytes = index_t{96} * 1024;
  const index_t kc_max = std::max<index_t>((kc_bytes / index_t(sizeof(T))) / small / 16 * 16, 64);
  constexpr index_t line = prefetch_run<T>::line;
  for (index_t p0 = 0; p0 < k; p0 += kc_max) {
    const index_t kc = std::min(kc_max, k - p0);
    const bool first = p0 == 0;
    const index_t row_lines = (kc + line - 1) / line;
    if (m <= n) {
      const index_t tiles = (m + 2) / 3;
      for (index_t j0 = 0; j0 < n; j0 += 4) {
        const int nr = int(std::min<index_t>(4, n - j0));
        const index_t next = std::clamp<index_t>(n - j0 - 4, 0, 4);
        const prefetch_run<T> pf{next > 0 ? b + (j0 + 4) * ldb + p0 : nullptr, ldb, row_lines, 0, 0};
        for (index_t i0 = 0, t = 0; i0 < m; i0 += 3, ++t)
          dot_block(i0, int(std::min<index_t>(3, m - i0)), j0, nr, p0, kc, first, alpha, a, lda, b, ldb, beta,
                    c, ldc, pf.slice(t, tiles, next * row_lines));
      }
    } else {
      const index_t tiles = (n + 3) / 4;
      for (index_t i0 = 0; i0 < m; i0 += 3) {
        const int mr = int(std::min<index_t>(3, m - i0));
        const index_t next = std::clamp<index_t>(m - i0 - 3, 0, 3);
        const prefetch_run<T> pf{next > 0 ? a + (i0 + 3) * lda + p0 : nullptr, lda, row_lines, 0, 0};
        for (index_t j0 = 0, t = 0; j0 < n; j0 += 4, ++t)
          dot_block(i0, mr, j0, int(std::min<index_t>(4, n - j0)), p0, kc, first, alpha, a, lda, b, ldb, beta,
                    c, ldc, pf.slice(t, tiles, next * row_lines));
      }
    }
  }
}

// ---- broadcast kernel: C = alpha A B^T + beta C, one side few rows (packed), the other streamed ----

/// Elements of the packed few-side slice (192 KiB, on the stack): kc is chosen so the slice of
/// all few rows fits, which keeps k in one or two slices for the shapes the kernel is chosen for.
template <class T>
inline constexpr index_t broadcast_slice_elems = index_t{192} * 1024 / index_t(sizeof(T));

/// Rows of the many side per register tile for a panel of NV vectors (NV * MR = 12 accumulators).
constexpr int broadcast_mr(int nv) { return 12 / nv; }

/// t[r * NV*L + jj] = sum_{p < kc} y[r][p] xp[p * NV*L + jj] for r < MR, jj < NV*L, where row r of
/// the many side is y + min(r, mr - 1) * ldy (rows past mr repeat the last one and are discarded),
/// each of its elements broadcast against NV vectors of the packed few-side panel xp; prefetches
/// pf on the way.
template <class T, int NV>
[[gnu::target("avx2,fma")]] void broadcast_tile(index_t kc, const T* y, index_t ldy, int mr, const T* xp,
                                                T* t, const prefetch_run<T>& pf) {
  using S = avx<T>;
  using V = typename S::vec;
  constexpr int L = S::lanes, W = NV * L, MR = broadcast_mr(NV);
  V acc[MR][NV];
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) acc[r][v] = S::zero();
  const T* yr[MR];
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r) yr[r] = y + std::min(r, mr - 1) * ldy;
  prefetch_pacer<T> pacer(pf, kc);
  for (index_t p = 0; p < kc; ++p) {
    pacer.tick();
    V xv[NV];
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) xv[v] = S::load(xp + p * W + v * L);
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      const V yv = S::bcast(yr[r] + p);
#pragma GCC unroll 3
      for (int v = 0; v < NV; ++v) acc[r][v] = S::fmadd(yv, xv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) S::store(t + r * W + v * L, acc[r][v]);
}

/// Packs `rows` rows of a row-major matrix (row r at src + r * ld), elements [0, kc) of each,
/// transposed into a panel of `width` columns (a multiple of the vector width):
/// dst[p * width + jj] = src[jj * ld + p] for jj < rows, 0 for rows <= jj < width. Each full group
/// of lanes rows is transposed in lanes x lanes register blocks (lanes contiguous elements of
/// lanes rows each); the k tail and partial groups are copied element by element. Used by the
/// packed kernel for op(B) = B^T and by the broadcast kernel for its few side.
template <class T>
[[gnu::target("avx2,fma")]] void pack_rows_transposed(const T* src, index_t ld, index_t rows, index_t width,
                                                      index_t kc, T* dst) {
  constexpr int L = avx<T>::lanes;
  for (index_t g0 = 0; g0 < width; g0 += L) {
    const index_t g_rows = std::clamp<index_t>(rows - g0, 0, L);
    index_t p = 0;
    if (g_rows == L)
      for (; p + L <= kc; p += L) avx<T>::transpose(src + g0 * ld + p, ld, dst + p * width + g0, width);
    for (; p < kc; ++p)
      for (index_t jj = 0; jj < L; ++jj)
        dst[p * width + g0 + jj] = jj < g_rows ? src[(g0 + jj) * ld + p] : T(0);
  }
}

/// One pass of the broadcast kernel (op = A B^T, min(m, n) <= broadcast_max_few; e.g. a Linear
/// layer's forward x W^T at a small batch): the few side (the smaller of A's m rows and B's n
/// rows) is packed transposed, k-slice by k-slice, into panels of 1-3 vectors across its rows
/// (<= 192 KiB, on the stack, in L2); the many side streams from memory once, in place: each of
/// its elements is broadcast against a panel's vectors into an MR x NV register tile (12
/// accumulators), so it is neither packed nor reduced horizontally, and each group of its rows
/// prefetches the next group.
template <class T>
void broadcast_gemm_pass(index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda, const T* b,
                         index_t ldb, T beta, T* c, index_t ldc) {
  constexpr int L = avx<T>::lanes;
  constexpr index_t line = prefetch_run<T>::line;
  const bool few_a = m <= n;
  const index_t few = few_a ? m : n, many = few_a ? n : m;
  const T* x = few_a ? a : b;
  const T* y = few_a ? b : a;
  const index_t ldx = few_a ? lda : ldb, ldy = few_a ? ldb : lda;
  // C(few row i, many row r) lives at c + i * ci + r * cr
  const index_t ci = few_a ? ldc : 1, cr = few_a ? 1 : ldc;
  // panels: vectors of 3 where possible, the rest in 2s (a lone vector only when there is one)
  const int vecs = int((few + L - 1) / L);
  int nv3 = vecs / 3, nv2 = 0, nv1 = 0;
  if (vecs % 3 == 2) {
    nv2 = 1;
  } else if (vecs % 3 == 1) {
    if (nv3 > 0) {
      --nv3;
      nv2 = 2;
    } else {
      nv1 = 1;
    }
  }
  // rows of the many side per prefetch group: a multiple of every panel's MR
  const index_t group = nv1 > 0                ? broadcast_mr(1)
                        : (nv3 > 0 && nv2 > 0) ? 12
                        : nv3 > 0              ? broadcast_mr(3)
                                               : broadcast_mr(2);
  const index_t few_pad = index_t(vecs) * L;
  const index_t kc_max = std::min(k, std::max<index_t>(L, broadcast_slice_elems<T> / few_pad / L * L));
  alignas(64) T xp[broadcast_slice_elems<T>];
  alignas(64) T t[12 * L];
  for (index_t p0 = 0; p0 < k; p0 += kc_max) {
    const index_t kc = std::min(kc_max, k - p0);
    const T bt = p0 == 0 ? beta : T(1);
    // the panels, widest first: (first few row, vectors, offset in xp)
    struct panel {
      index_t i0;
      int nv;
      index_t off;
    };
    panel panels[broadcast_max_few / 4]; // at most one panel per vector of few rows
    int np = 0;
    for (index_t i0 = 0, off = 0, q = 0; q < nv3 + nv2 + nv1; ++q) {
      const int nv = q < nv3 ? 3 : q < nv3 + nv2 ? 2 : 1;
      panels[np++] = {i0, nv, off};
      pack_rows_transposed(x + i0 * ldx + p0, ldx, std::min<index_t>(few - i0, nv * L), nv * L, kc, xp + off);
      i0 += nv * L;
      off += kc * nv * L;
    }
    for (index_t r0 = 0; r0 < many; r0 += group) {
      const index_t g = std::min(group, many - r0);
      // the next group: the next rows of this slice, or the first rows of the next slice
      index_t nr0 = r0 + group, np0 = p0;
      if (nr0 >= many) {
        nr0 = 0;
        np0 = p0 + kc;
      }
      prefetch_run<T> pf{};
      if (np0 < k) {
        const index_t row_lines = (std::min(kc_max, k - np0) + line - 1) / line;
        pf = {y + nr0 * ldy + np0, ldy, row_lines, 0, row_lines * std::min(group, many - nr0)};
      }
      index_t tiles = 0;
      for (int q = 0; q < np; ++q) tiles += (g + broadcast_mr(panels[q].nv) - 1) / broadcast_mr(panels[q].nv);
      index_t tt = 0;
      for (int q = 0; q < np; ++q) {
        const auto [i0, nv, off] = panels[q];
        const index_t mr_max = broadcast_mr(nv), w = nv * L, i_end = std::min(few, i0 + w);
        for (index_t rr = 0; rr < g; rr += mr_max, ++tt) {
          const int mr = int(std::min(mr_max, g - rr));
          const T* yt = y + (r0 + rr) * ldy + p0;
          const auto pft = pf.slice(tt, tiles, pf.count);
          if (nv == 3)
            broadcast_tile<T, 3>(kc, yt, ldy, mr, xp + off, t, pft);
          else if (nv == 2)
            broadcast_tile<T, 2>(kc, yt, ldy, mr, xp + off, t, pft);
          else
            broadcast_tile<T, 1>(kc, yt, ldy, mr, xp + off, t, pft);
          for (index_t i = i0; i < i_end; ++i) {
            T* ct = c + i * ci + (r0 + rr) * cr;
            for (int r = 0; r < mr; ++r) update(ct[r * cr], t[r * w + (i - i0)], alpha, bt);
          }
        }
      }
    }
  }
}

/// The broadcast kernel on any shape: the few side is taken broadcast_max_few rows per pass.
template <class T>
void broadcast_gemm(index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda, const T* b,
                    index_t ldb, T beta, T* c, index_t ldc) {
  if (std::min(m, n) <= broadcast_max_few)
    return broadcast_gemm_pass(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (m <= n) {
    for (index_t i0 = 0; i0 < m; i0 += broadcast_max_few)
      broadcast_gemm_pass(std::min(broadcast_max_few, m - i0), n, k, alpha, a + i0 * lda, lda, b, ldb, beta,
                          c + i0 * ldc, ldc);
  } else {
    for (index_t j0 = 0; j0 < n; j0 += broadcast_max_few)
      broadcast_gemm_pass(m, std::min(broadcast_max_few, n - j0), k, alpha, a, lda, b + j0 * ldb, ldb, beta,
                          c + j0, ldc);
  }
}

// ---- packed kernel: C = alpha op(A) B + beta C, B (k x n, ldb) ----

constexpr int packed_mr = 6;
template <class T>
constexpr int packed_nr = 2 * avx<T>::lanes;

struct pack_a_tag {};
struct pack_b_tag {};

/// Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) into ceil(mc / 6) panels, panel q holding
/// ap[q*kc*6 + p*6 + ii] = op(A)(i0 + 6q + ii, p0 + p), zero-padded.
template <class T>
void pack_a(bool trans_a, const T* a, index_t lda, index_t i0, index_t mc, index_t p0, index_t kc, T* ap) {
  constexpr int MR = packed_mr;
  for (index_t q = 0; q * MR < mc; ++q) {
    T* dst = ap + q * kc * MR;
    const index_t rows = std::min<index_t>(MR, mc - q * MR);
    const index_t r0 = i0 + q * MR;
    if (trans_a) {
      for (index_t p = 0; p < kc; ++p) {
        const T* src = a + (p0 + p) * lda + r0;
        index_t ii = 0;
        for (; ii < rows; ++ii) dst[p * MR + ii] = src[ii];
        for (; ii < MR; ++ii) dst[p * MR + ii] = T(0);
      }
    } else {
      for (index_t ii = 0; ii < MR; ++ii) {
        if (ii < rows) {
          const T* src = a + (r0 + ii) * lda + p0;
          for (index_t p = 0; p < kc; ++p) dst[p * MR + ii] = src[p];
        } else {
          for (index_t p = 0; p < kc; ++p) dst[p * MR + ii] = T(0);
        }
      }
    }
  }
}

/// Panel stride of packed B: one spare row per panel, so the panels written side by side while a
/// row of B is read do not all map to the same L1 sets (kc * NR elements is a multiple of 4 KiB).
template <class T>
constexpr index_t b_panel_stride(index_t kc) {
  return (kc + 1) * packed_nr<T>;
}

/// Packs B[p0 .. p0+kc, j0 .. j0+nc) (B row-major k x n) into ceil(nc / NR) panels,
/// bp[q*ps + p*NR + jj] = B(p0 + p, j0 + q*NR + jj) with ps = b_panel_stride(kc), zero-padded;
/// rows are read sequentially.
template <class T>
void pack_b(const T* b, index_t ldb, index_t j0, index_t nc, index_t p0, index_t kc, T* bp) {
  constexpr int NR = packed_nr<T>;
  const index_t full = nc / NR, cols = nc - full * NR, ps = b_panel_stride<T>(kc);
  for (index_t p = 0; p < kc; ++p) {
    const T* src = b + (p0 + p) * ldb + j0;
    for (index_t q = 0; q < full; ++q) {
      std::memcpy(bp + q * ps + p * NR, src + q * NR, sizeof(T) * NR);
    }
    if (cols > 0) {
      T* dst = bp + full * ps + p * NR;
      for (index_t jj = 0; jj < NR; ++jj) dst[jj] = jj < cols ? src[full * NR + jj] : T(0);
    }
  }
}

/// pack_b for op(B) = B^T (B stored n x k, row-major): the same panels,
/// bp[q*ps + p*NR + jj] = B(j0 + q*NR + jj, p0 + p), zero-padded (pack_rows_transposed per panel).
template <class T>
void pack_bt(const T* b, index_t ldb, index_t j0, index_t nc, index_t p0, index_t kc, T* bp) {
  constexpr int NR = packed_nr<T>;
  for (index_t q = 0; q * NR < nc; ++q)
    pack_rows_transposed(b + (j0 + q * NR) * ldb + p0, ldb, std::min<index_t>(NR, nc - q * NR), NR, kc,
                         bp + q * b_panel_stride<T>(kc));
}

/// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into panels (pack_b or pack_bt).
template <class T>
void pack_op_b(bool trans_b, const T* b, index_t ldb, index_t j0, index_t nc, index_t p0, index_t kc, T* bp) {
  if (trans_b)
    pack_bt(b, ldb, j0, nc, p0, kc, bp);
  else
    pack_b(b, ldb, j0, nc, p0, kc, bp);
}

/// The cache lines of the block op(B)[p0 .. p0+kc, j0 .. j0+nc) as one prefetch_run (count = all
/// of them; tiles take pf.slice(t, tiles, pf.count)): op(B) = B is kc rows of nc elements from
/// row p0, B^T is nc rows of kc elements from row j0. An empty block (nc or kc 0) gives an empty run.
template <class T>
prefetch_run<T> op_b_block_lines(bool trans_b, const T* b, index_t ldb, index_t j0, index_t nc, index_t p0,
                                 index_t kc) {
  if (nc <= 0 || kc <= 0) return {};
  constexpr index_t line = prefetch_run<T>::line;
  const index_t row_lines = ((trans_b ? kc : nc) + line - 1) / line;
  return {trans_b ? b + j0 * ldb + p0 : b + p0 * ldb + j0, ldb, row_lines, 0,
          row_lines * (trans_b ? nc : kc)};
}

/// Where the packed tile reads B: panel reads the packed panel bp; rows_to_panel reads full rows of
/// NR elements of B at src + p * ldb and stores each into bp as it multiplies (the first row tile
/// packs the panel that the other row tiles read).
enum class b_source { panel, rows_to_panel };

/// One row of the tile's step: c0 += *a b0, c1 += *a b1.
template <class T, class V>
HAMGEN_SIMD_FN void packed_row(const T* a, V b0, V b1, V& c0, V& c1) {
  const V x = avx<T>::bcast(a);
  c0 = avx<T>::fmadd(x, b0, c0);
  c1 = avx<T>::fmadd(x, b1, c1);
}

/// Step p of the 6 x 2-vector tile: the two B vectors of row p (see b_source), then
/// c_i0 += ap[p * 6 + i] b0 and c_i1 += ap[p * 6 + i] b1 for the 6 rows i. The accumulators are
/// named variables, not an array: over an array GCC kept fewer of them in registers and moved the
/// others in the unrolled loop (measurements in docs/benchmarks.md, thirteenth session).
template <b_source Source, class T, class V>
HAMGEN_SIMD_FN void packed_step(index_t p, const T* ap, T* bp, const T* src, index_t ldb, V& c00, V& c01,
                                V& c10, V& c11, V& c20, V& c21, V& c30, V& c31, V& c40, V& c41, V& c50,
                                V& c51) {
  using S = avx<T>;
  constexpr int L = S::lanes, NR = packed_nr<T>;
  V b0, b1;
  if constexpr (Source != b_source::panel) {
    b0 = S::load(src + p * ldb);
    b1 = S::load(src + p * ldb + L);
    S::store(bp + p * NR, b0);
    S::store(bp + p * NR + L, b1);
  } else {
    b0 = S::load(bp + p * NR);
    b1 = S::load(bp + p * NR + L);
  }
  const T* a = ap + p * packed_mr;
  packed_row(a, b0, b1, c00, c01);
  packed_row(a + 1, b0, b1, c10, c11);
  packed_row(a + 2, b0, b1, c20, c21);
  packed_row(a + 3, b0, b1, c30, c31);
  packed_row(a + 4, b0, b1, c40, c41);
  packed_row(a + 5, b0, b1, c50, c51);
}

/// C tile (mr <= 6 rows, nr <= NR columns at c, ldc) = alpha ap-panel * bp-panel + beta C,
/// prefetching pf on the way (a few lines every U = 4 steps); B comes from Source (nr == NR for
/// rows_to_panel). With stream (beta == 0; c and ldc 32-byte aligned, which _mm256_stream
/// requires) a full tile's rows, 64 bytes each, are written with non-temporal stores.
template <class T, b_source Source = b_source::panel>
[[gnu::target("avx2,fma")]] void packed_tile(index_t kc, const T* ap, T* bp, T* c, index_t ldc, T alpha,
                                             T beta, int mr, int nr, const prefetch_run<T>& pf,
                                             const T* src = nullptr, index_t ldb = 0, bool stream = false) {
  using S = avx<T>;
  using V = typename S::vec;
  constexpr int L = S::lanes, MR = packed_mr, NR = packed_nr<T>, U = 4;
  V c00 = S::zero(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00,
    c41 = c00, c50 = c00, c51 = c00;
  prefetch_pacer<T> pacer(pf, (kc + U - 1) / U);
  index_t p = 0;
  for (; p + U <= kc; p += U) {
    pacer.tick();
#pragma GCC unroll 4
    for (index_t u = p; u < p + U; ++u)
      packed_step<Source>(u, ap, bp, src, ldb, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
  }
  if (p < kc) pacer.tick(); // the planned ceil(kc / U)-th tick, for the remainder steps
  for (; p < kc; ++p)
    packed_step<Source>(p, ap, bp, src, ldb, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
  const V acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  const V va = S::set1(alpha);
  if (mr == MR && nr == NR) {
    if (beta == T(0)) {
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) {
        T* cr = c + i * ldc;
        const V r0 = S::mul(va, acc[i][0]), r1 = S::mul(va, acc[i][1]);
        if (stream) {
          S::stream(cr, r0);
          S::stream(cr + L, r1);
        } else {
          S::store(cr, r0);
          S::store(cr + L, r1);
        }
      }
    } else {
      const V vb = S::set1(beta);
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) {
        T* cr = c + i * ldc;
        S::store(cr, S::fmadd(va, acc[i][0], S::mul(vb, S::load(cr))));
        S::store(cr + L, S::fmadd(va, acc[i][1], S::mul(vb, S::load(cr + L))));
      }
    }
    return;
  }
  alignas(32) T t[MR * NR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    S::store(t + i * NR, acc[i][0]);
    S::store(t + i * NR + L, acc[i][1]);
  }
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) update(c[i * ldc + j], t[i * NR + j], alpha, beta);
}

/// The packed kernel for few rows of op(A) (m <= 96, e.g. the input gradient dy W of a Linear
/// layer at a small batch). B streams from memory once, in blocks of kc rows x 4 panels (64
/// float or 32 double columns) that live in L1 while all row tiles use them; op(A) is packed
/// once per kc-deep slice. Nothing is packed ahead: the first row tile of a panel reads the B
/// rows where they are and writes the panel as it multiplies, and every tile of a block
/// prefetches a slice of the next block. Both buffers live on the stack (<= 48 KiB + 64 KiB), so
/// the kernel adds nothing to the heap.
template <class T>
void packed_gemm_few_rows(bool trans_a, bool trans_b, index_t m, index_t n, index_t k, T alpha, const T* a,
                          index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  constexpr int MR = packed_mr, NR = packed_nr<T>;
  constexpr index_t a_elems = index_t{48} * 1024 / index_t(sizeof(T)); // op(A) slice: 48 KiB
  constexpr index_t kc_cap = sizeof(T) == 4 ? 256 : 192;               // measured best (24 rows)
  constexpr index_t panels = 4, cb = panels * NR;
  const index_t m_pad = (m + MR - 1) / MR * MR;
  const index_t kc_max = std::min(k, std::max<index_t>(8, std::min(kc_cap, a_elems / m_pad / 8 * 8)));
  alignas(64) T ap[a_elems];
  alignas(64) T bp[panels * b_panel_stride<T>(kc_cap)];
  for (index_t p0 = 0; p0 < k; p0 += kc_max) {
    const index_t kc = std::min(kc_max, k - p0);
    const T bt = p0 == 0 ? beta : T(1);
    pack_a(trans_a, a, lda, 0, m, p0, kc, ap);
    for (index_t j0 = 0; j0 < n; j0 += cb) {
      const index_t nc = std::min(cb, n - j0), full = nc / NR, ps = b_panel_stride<T>(kc);
      // op(B) = B^T: the block is packed (transposed) ahead; op(B) = B: a partial last panel is
      // packed ahead (zero-padded), full panels by their first tile
      if (trans_b)
        pack_bt(b, ldb, j0, nc, p0, kc, bp);
      else if (full * NR < nc)
        pack_b(b, ldb, j0 + full * NR, nc - full * NR, p0, kc, bp + full * ps);
      // the next block: the next columns of this slice, or the first columns of the next slice
      index_t nj0 = j0 + nc, np0 = p0;
      if (nj0 >= n) {
        nj0 = 0;
        np0 = p0 + kc;
      }
      const bool has_next = np0 < k;
      const prefetch_run<T> pf = has_next ? op_b_block_lines(trans_b, b, ldb, nj0, std::min(cb, n - nj0), np0,
                                                             std::min(kc_max, k - np0))
                                          : prefetch_run<T>{};
      const index_t tiles = (m_pad / MR) * ((nc + NR - 1) / NR);
      index_t t = 0;
      for (index_t jr = 0; jr < nc; jr += NR) {
        T* panel = bp + jr / NR * ps;
        const int nr = int(std::min<index_t>(NR, nc - jr));
        for (index_t ir = 0; ir < m; ir += MR, ++t) {
          const int mr = int(std::min<index_t>(MR, m - ir));
          const auto pft = pf.slice(t, tiles, pf.count);
          if (ir == 0 && nr == NR && !trans_b)
            packed_tile<T, b_source::rows_to_panel>(kc, ap, panel, c + j0 + jr, ldc, alpha, bt, mr, nr, pft,
                                                    b + p0 * ldb + j0 + jr, ldb);
          else
            packed_tile(kc, ap + ir * kc, panel, c + ir * ldc + j0 + jr, ldc, alpha, bt, mr, nr, pft);
        }
      }
    }
  }
}

/// Bytes of C from which the packed kernel writes a single-k-block product with non-temporal
/// stores (twice a 1 MiB L2: such a C is out of L2 before anything reads it again).
inline constexpr index_t stream_c_bytes = index_t{2} << 20;
/// Deepest k-block of packed_gemm (more than packed_few_rows rows).
inline constexpr index_t packed_kc = 128;

/// Whether packed_gemm writes this C (m x n at c, ldc) with non-temporal stores: beta == 0 and one
/// k-block (k <= packed_kc), so every C entry is written once, by one tile; C of >= stream_c_bytes,
/// so the cache would only read every line of C from memory before overwriting it (the weight
/// gradient dy^T x of a large layer); rows 32-byte aligned (the partial tiles at the right and
/// bottom edges store normally).
template <class T>
bool packed_streams_c(index_t m, index_t n, index_t k, T beta, const T* c, index_t ldc) {
  return beta == T(0) && k <= packed_kc && m * n * index_t(sizeof(T)) >= stream_c_bytes &&
         reinterpret_cast<std::uintptr_t>(c) % 32 == 0 && (ldc * index_t(sizeof(T))) % 32 == 0;
}

/// Serial packed kernel on one block for more than packed_few_rows rows (k >= 1): for each
/// (kc x nc) block of B (packed once, ~256 KiB; 64 KiB on the stack when k <= 64) and op(A)'s rows
/// (packed per k-block, up to 1020 at a time), sweep 6-row tiles across the B block; while one
/// block is computed, its tiles prefetch the next B block a slice each, so the stream from memory
/// overlaps the arithmetic. A row block with few rows (<= 48) makes the B panel the outer loop
/// (it stays in L1 for all row tiles), otherwise the rows are (C is written row-wise).
template <class T>
void packed_gemm(bool trans_a, bool trans_b, index_t m, index_t n, index_t k, T alpha, const T* a,
                 index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  constexpr int MR = packed_mr, NR = packed_nr<T>;
  // B block of ~256 KiB (half of a 512 KiB L2) and at most 128 deep, op(A) up to 1020 rows, both
  // in scratch buffers; a shallow product (k <= 64, e.g. a weight gradient with k = batch) uses
  // a 64 KiB B block and a 32 KiB op(A) block on the stack instead, so it adds nothing to the heap.
  // Few rows (<= 48) sweep each B panel with all row tiles while it sits in L1.
  constexpr index_t shallow_b = index_t{64} * 1024 / index_t(sizeof(T)),
                    shallow_a = index_t{32} * 1024 / index_t(sizeof(T)), small_m = 48;
  const bool shallow = k <= 64;
  const index_t b_block = shallow ? shallow_b : index_t{256} * 1024 / index_t(sizeof(T));
  const index_t kc_max = std::min<index_t>(k, packed_kc);
  const index_t nc_max =
      std::max<index_t>(NR, std::min<index_t>((b_block / (kc_max + 1)) / NR * NR, (n + NR - 1) / NR * NR));
  const index_t mc_max =
      std::min<index_t>(m, shallow ? std::max<index_t>(MR, shallow_a / kc_max / MR * MR) : 1020);
  alignas(64) T b_stack[shallow_b], a_stack[shallow_a];
  T* bp = shallow ? b_stack
                  : scratch_buffer<T, pack_b_tag>(std::size_t(b_panel_stride<T>(kc_max) * (nc_max / NR)));
  T* ap =
      shallow ? a_stack : scratch_buffer<T, pack_a_tag>(std::size_t(kc_max * ((mc_max + MR - 1) / MR * MR)));
  const bool stream = packed_streams_c(m, n, k, beta, c, ldc);
  for (index_t j0 = 0; j0 < n; j0 += nc_max) {
    const index_t nc = std::min(nc_max, n - j0);
    for (index_t p0 = 0; p0 < k; p0 += kc_max) {
      const index_t kc = std::min(kc_max, k - p0);
      const T bt = p0 == 0 ? beta : T(1);
      pack_op_b(trans_b, b, ldb, j0, nc, p0, kc, bp);
      // the next B block
      index_t nj0 = j0, np0 = p0 + kc;
      if (np0 >= k) {
        nj0 = j0 + nc;
        np0 = 0;
      }
      const bool has_next = nj0 < n;
      const prefetch_run<T> pf = has_next ? op_b_block_lines(trans_b, b, ldb, nj0, std::min(nc_max, n - nj0),
                                                             np0, std::min(kc_max, k - np0))
                                          : prefetch_run<T>{};
      const index_t row_tiles = (mc_max + MR - 1) / MR, col_tiles = (nc + NR - 1) / NR;
      const index_t tiles = row_tiles * col_tiles;
      for (index_t i0 = 0; i0 < m; i0 += mc_max) {
        const index_t mc = std::min(mc_max, m - i0);
        pack_a(trans_a, a, lda, i0, mc, p0, kc, ap);
        const auto tile = [&](index_t ir, index_t jr, index_t t) {
          packed_tile(kc, ap + ir * kc, bp + jr / NR * b_panel_stride<T>(kc), c + (i0 + ir) * ldc + j0 + jr,
                      ldc, alpha, bt, int(std::min<index_t>(MR, mc - ir)),
                      int(std::min<index_t>(NR, nc - jr)),
                      i0 == 0 ? pf.slice(t, tiles, pf.count) : prefetch_run<T>{},
                      static_cast<const T*>(nullptr), 0, stream);
        };
        if (mc <= small_m) {
          for (index_t jr = 0, t = 0; jr < nc; jr += NR)
            for (index_t ir = 0; ir < mc; ir += MR, ++t) tile(ir, jr, t);
        } else {
          for (index_t ir = 0, t = 0; ir < mc; ir += MR)
            for (index_t jr = 0; jr < nc; jr += NR, ++t) tile(ir, jr, t);
        }
      }
    }
  }
  if (stream) _mm_sfence(); // the non-temporal stores are visible before C is handed on
}
#endif // HAMGEN_GEMM_X86_SIMD

/// Serial product on one block with the given kernel (k >= 1, kernel supported).
template <class T>
void gemm_serial([[maybe_unused]] gemm_kernel kern, bool trans_a, bool trans_b, index_t m, index_t n,
                 index_t k, T alpha, const T* a, index_t lda, const T* b, index_t ldb, T beta, T* c,
                 index_t ldc) {
#if HAMGEN_GEMM_X86_SIMD
  if (kern == gemm_kernel::dot) return dot_gemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (kern == gemm_kernel::broadcast) return broadcast_gemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  // (the two paths are separate functions, so only one of their stack buffers is live at a time)
  if (kern == gemm_kernel::packed && m <= packed_few_rows)
    return packed_gemm_few_rows(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (kern == gemm_kernel::packed)
    return packed_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
  eigen_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
} // namespace detail

/// C = alpha op(A) op(B) + beta C (row-major, leading dimensions lda, ldb, ldc) with the given
/// kernel; automatic chooses by shape (gemm_kernel_for), and a kernel this CPU or these
/// transposes do not support falls back to eigen.
template <class T>
void gemm(gemm_kernel kern, bool trans_a, bool trans_b, index_t m, index_t n, index_t k, T alpha, const T* a,
          index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (kern == gemm_kernel::automatic) kern = gemm_kernel_for<T>(trans_a, trans_b, m, n, k);
  if (!gemm_kernel_supports(kern, trans_a, trans_b)) kern = gemm_kernel::eigen;
  const bool split_rows = m >= n;
  const index_t len = split_rows ? m : n;
  const index_t work = m * n * std::max<index_t>(k, 1);
  const index_t min_chunk = work >= (index_t{1} << 20) ? std::max<index_t>(len / 64, 8) : len;
  parallel_for(
      len,
      [&](index_t b0, index_t b1) {
        const index_t mm = split_rows ? b1 - b0 : m, nn = split_rows ? n : b1 - b0;
        const index_t r0 = split_rows ? b0 : 0, c0 = split_rows ? 0 : b0;
        T* cb = c + r0 * ldc + c0;
        if (k <= 0) {
          detail::strided_map<T> C(cb, mm, nn, Eigen::OuterStride<>(ldc));
          if (beta == T(0))
            C.setZero();
          else
            C *= beta;
          return;
        }
        // op(A) rows r0..r0+mm, op(B) columns c0..c0+nn
        const T* ab = trans_a ? a + r0 : a + r0 * lda;
        const T* bb = trans_b ? b + c0 * ldb : b + c0;
        detail::gemm_serial(kern, trans_a, trans_b, mm, nn, k, alpha, ab, lda, bb, ldb, beta, cb, ldc);
      },
      min_chunk);
}

/// C = alpha op(A) op(B) + beta C (row-major, leading dimensions lda, ldb, ldc), kernel chosen by
/// shape.
template <class T>
void gemm(bool trans_a, bool trans_b, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
          const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  gemm(gemm_kernel::automatic, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

} // namespace hamgen::backend::cpu
