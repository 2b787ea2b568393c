#include <hamgen/backend/cpu/gemm.hpp>

#include "kernel_test_support.hpp"

#include <catch2/catch.hpp>

#include <vector>

namespace cpu = hamgen::backend::cpu;
using kernel_test::random_vector;
using kernel_test::rel_error;

TEST_CASE("gemm matches a naive triple loop for all transposes, strides, alpha and beta", "[backend][gemm]") {
  // sizes below and above the threading threshold (m*n*k >= 2^20)
  for (const auto& [m, n, k] :
       {std::array<long, 3>{5, 7, 3}, std::array<long, 3>{130, 90, 100}, std::array<long, 3>{40, 160, 200}}) {
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        const long lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
        const auto A = random_vector(static_cast<std::size_t>((ta ? k : m) * lda), 1);
        const auto B = random_vector(static_cast<std::size_t>((tb ? n : k) * ldb), 2);
        auto C = random_vector(static_cast<std::size_t>(m * ldc), 3);
        auto ref = C;
        const double alpha = 0.7, beta = -1.3;
        for (long i = 0; i < m; ++i)
          for (long j = 0; j < n; ++j) {
            double s = 0;
            for (long p = 0; p < k; ++p)
              s += (ta ? A[p * lda + i] : A[i * lda + p]) * (tb ? B[j * ldb + p] : B[p * ldb + j]);
            ref[i * ldc + j] = alpha * s + beta * ref[i * ldc + j];
          }
        cpu::gemm(ta, tb, m, n, k, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
        CHECK(rel_error(C, ref) < 1e-12);
        // beta = 0 ignores (NaN) contents of C
        std::vector<double> C0(C.size(), std::nan(""));
        cpu::gemm(ta, tb, m, n, k, 1.0, A.data(), lda, B.data(), ldb, 0.0, C0.data(), ldc);
        bool ok = true;
        for (long i = 0; i < m; ++i)
          for (long j = 0; j < n; ++j) {
            double s = 0;
            for (long p = 0; p < k; ++p)
              s += (ta ? A[p * lda + i] : A[i * lda + p]) * (tb ? B[j * ldb + p] : B[p * ldb + j]);
            ok = ok && std::abs(C0[i * ldc + j] - s) < 1e-11;
          }
        CHECK(ok);
      }
  }
}
