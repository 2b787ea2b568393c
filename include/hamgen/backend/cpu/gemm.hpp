// hamgen/backend/cpu/gemm.hpp
//
// Represents: the CPU backend's dense matrix product on row-major buffers,
//               C (m x n) = alpha op(A) op(B) + beta C,
//             op(A) = A (m x k) or A^T (A stored k x m), op(B) = B (k x n) or B^T (B stored n x k),
//             with explicit leading dimensions (row strides) so sub-blocks can be addressed.
// Requires:   Eigen 3.4; T float or double; C does not alias A or B; lda/ldb/ldc >= the stored
//             row lengths.
// Ensures:    the product runs through Eigen's blocked GEMM (AVX2/FMA kernels when compiled with
//             -march=x86-64-v3 or better); when m*n*k is large (>= 2^20 multiply-adds) the larger of
//             m and n is split into num_threads() slices computed concurrently. beta == 0 never
//             reads C (so C may hold NaN garbage).
#pragma once

#include <hamgen/backend/cpu/parallel.hpp>

#include <Eigen/Core>

namespace hamgen::backend::cpu {

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
} // namespace detail

/// C = alpha op(A) op(B) + beta C (row-major, leading dimensions lda, ldb, ldc).
template <class T>
void gemm(bool trans_a, bool trans_b, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
          const T* b, index_t ldb, T beta, T* c, index_t ldc) {
  if (m <= 0 || n <= 0) return;
  using detail::cstrided_map;
  const bool split_rows = m >= n;
  const index_t len = split_rows ? m : n;
  const index_t work = m * n * std::max<index_t>(k, 1);
  const index_t min_chunk = work >= (index_t{1} << 20) ? std::max<index_t>(len / 64, 8) : len;
  parallel_for(
      len,
      [&](index_t b0, index_t b1) {
        const index_t mm = split_rows ? b1 - b0 : m, nn = split_rows ? n : b1 - b0;
        const index_t r0 = split_rows ? b0 : 0, c0 = split_rows ? 0 : b0;
        detail::strided_map<T> C(c + r0 * ldc + c0, mm, nn, Eigen::OuterStride<>(ldc));
        if (k <= 0) {
          if (beta == T(0))
            C.setZero();
          else
            C *= beta;
          return;
        }
        // op(A) rows r0..r0+mm, op(B) columns c0..c0+nn
        if (!trans_a && !trans_b) {
          detail::gemm_block(alpha, cstrided_map<T>(a + r0 * lda, mm, k, Eigen::OuterStride<>(lda)),
                             cstrided_map<T>(b + c0, k, nn, Eigen::OuterStride<>(ldb)), beta, C);
        } else if (!trans_a && trans_b) {
          detail::gemm_block(alpha, cstrided_map<T>(a + r0 * lda, mm, k, Eigen::OuterStride<>(lda)),
                             cstrided_map<T>(b + c0 * ldb, nn, k, Eigen::OuterStride<>(ldb)).transpose(),
                             beta, C);
        } else if (trans_a && !trans_b) {
          detail::gemm_block(alpha, cstrided_map<T>(a + r0, k, mm, Eigen::OuterStride<>(lda)).transpose(),
                             cstrided_map<T>(b + c0, k, nn, Eigen::OuterStride<>(ldb)), beta, C);
        } else {
          detail::gemm_block(alpha, cstrided_map<T>(a + r0, k, mm, Eigen::OuterStride<>(lda)).transpose(),
                             cstrided_map<T>(b + c0 * ldb, nn, k, Eigen::OuterStride<>(ldb)).transpose(),
                             beta, C);
        }
      },
      min_chunk);
}

} // namespace hamgen::backend::cpu
