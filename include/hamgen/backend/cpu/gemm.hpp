// hamgen/backend/cpu/gemm.hpp
//
// Represents: the cpu GEMM kernel C = alpha * op(A) * op(B) + beta * C on row-major buffers,
//             op(X) = X or Xᵀ, through Eigen's blocked GEMM on zero-copy Maps.
// Requires:   A is m x k (ta = false) or k x m (ta = true) with leading dimension lda (row stride);
//             B is k x n or n x k with ldb; C is m x n with ldc; C does not alias A or B.
// Ensures:    the product is split over the cpu pool (parallel.hpp) along the larger of m and n
//             when m*n*k is large enough to pay for the hand-off; each chunk is one Eigen GEMM.
//             beta == 0 overwrites C (NaNs in C are not propagated), as in BLAS.
#pragma once

#include <cstddef>

#include <Eigen/Core>

#include <hamgen/backend/cpu/parallel.hpp>

namespace hamgen::backend::cpu {

namespace detail {

template <class T>
using rm_map =
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>;
template <class T>
using rm_cmap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0,
                           Eigen::OuterStride<>>;

template <class T>
void gemm_serial(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                 std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  using I = Eigen::Index;
  rm_map<T> C(c, I(m), I(n), Eigen::OuterStride<>(I(ldc)));
  if (k == 0) {
    if (beta == T(0))
      C.setZero();
    else
      C *= beta;
    return;
  }
  rm_cmap<T> A(a, ta ? I(k) : I(m), ta ? I(m) : I(k), Eigen::OuterStride<>(I(lda)));
  rm_cmap<T> B(b, tb ? I(n) : I(k), tb ? I(k) : I(n), Eigen::OuterStride<>(I(ldb)));
  auto run = [&](const auto& opa, const auto& opb) {
    if (beta == T(0))
      C.noalias() = alpha * opa * opb;
    else {
      if (beta != T(1)) C *= beta;
      C.noalias() += alpha * opa * opb;
    }
  };
  if (!ta && !tb)
    run(A, B);
  else if (ta && !tb)
    run(A.transpose(), B);
  else if (!ta && tb)
    run(A, B.transpose());
  else
    run(A.transpose(), B.transpose());
}

} // namespace detail

/// Products smaller than this many multiply-adds stay on the calling thread.
inline constexpr std::size_t gemm_parallel_flops = std::size_t(1) << 18;

template <class T>
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a, std::size_t lda,
          const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  const std::size_t work = m * n * k;
  if (work < gemm_parallel_flops || num_threads() == 1) {
    detail::gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  if (m >= n) { // split rows of C (rows of op(A))
    parallel_for(m, 16, [&](std::size_t r0, std::size_t r1) {
      const T* a0 = ta ? a + r0 : a + r0 * lda;
      detail::gemm_serial(ta, tb, r1 - r0, n, k, alpha, a0, lda, b, ldb, beta, c + r0 * ldc, ldc);
    });
  } else { // split columns of C (columns of op(B))
    parallel_for(n, 16, [&](std::size_t c0, std::size_t c1) {
      const T* b0 = tb ? b + c0 * ldb : b + c0;
      detail::gemm_serial(ta, tb, m, c1 - c0, k, alpha, a, lda, b0, ldb, beta, c + c0, ldc);
    });
  }
}

} // namespace hamgen::backend::cpu
