#include <hamgen/backend/cpu/small_gemm.hpp>

#include "kernel_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

namespace cpu = hamgen::backend::cpu;
using kernel_test::random_vector;

namespace {

/// The naive column-major product in long double, with the same init and epilogue semantics.
template <class T>
std::vector<long double> naive(const cpu::small_gemm_args<T>& g, const std::vector<T>& c_before) {
  std::vector<long double> out(c_before.begin(), c_before.end());
  for (long i = 0; i < g.m; ++i)
    for (long j = 0; j < g.n; ++j) {
      long double s = 0;
      if (g.init == cpu::small_gemm_init::accumulate) s = c_before[std::size_t(i + j * g.ldc)];
      if (g.init == cpu::small_gemm_init::row_bias) s = g.bias[i];
      for (long p = 0; p < g.k; ++p)
        s += static_cast<long double>(g.a[i + p * g.lda]) *
             static_cast<long double>(g.b[p * g.b_row + j * g.b_col]);
      if (g.epilogue == cpu::small_gemm_epilogue::relu || g.epilogue == cpu::small_gemm_epilogue::relu_mask)
        s = s > 0 ? s : 0;
      if (g.epilogue == cpu::small_gemm_epilogue::gate && !(g.gate[i + j * g.ldg] > T(0))) s = 0;
      out[std::size_t(i + j * g.ldc)] = s;
    }
  return out;
}

/// max |got − ref| / (k·max|A|·max|B| + |ref|) over C, and whether everything outside the m x n
/// window of C (the padding rows of each column) is untouched.
template <class T>
std::pair<double, bool> compare(const std::vector<T>& got, const std::vector<long double>& ref,
                                const std::vector<T>& before, const cpu::small_gemm_args<T>& g) {
  double err = 0;
  bool untouched = true;
  for (long j = 0; j < g.n; ++j)
    for (long i = 0; i < g.ldc; ++i) {
      const auto at = std::size_t(i + j * g.ldc);
      if (i >= g.m) {
        untouched = untouched && (got[at] == before[at] || (std::isnan(got[at]) && std::isnan(before[at])));
        continue;
      }
      const long double scale = static_cast<long double>(g.k + 1) + std::fabs(ref[at]);
      err =
          std::max(err, static_cast<double>(std::fabs(static_cast<long double>(got[at]) - ref[at]) / scale));
    }
  return {err, untouched};
}

template <class T>
void check_all_modes(bool fast) {
  const double tol = std::is_same_v<T, double> ? 1e-15 : 1e-6;
  unsigned seed = 1;
  for (long m : {1L, 3L, 4L, 5L, 7L, 8L, 9L, 15L, 16L, 17L, 20L, 31L, 33L, 100L})
    for (long n : {1L, 2L, 5L, 6L, 7L, 13L, 16L, 130L})
      for (long k : {0L, 1L, 10L, 37L, 129L})
        for (int layout = 0; layout < 3; ++layout)
          for (int mode = 0; mode < 6; ++mode) {
            const long lda = m + 3, ldc = m + 2, ldg = m + 1, ldm = m + 4;
            // layout 0: B column-major k x n (b_row = 1); layout 1: B given as a row-major n x k
            // transpose with padding (b_row = n + 2, b_col = 1); layout 2: strided both ways
            const long b_row = layout == 0 ? 1 : (layout == 1 ? n + 2 : 2);
            const long b_col = layout == 0 ? k + 1 : (layout == 1 ? 1 : 2 * k + 1);
            const long bsize =
                layout == 0 ? (k + 1) * n : (layout == 1 ? (n + 2) * std::max(k, 1L) : (2 * k + 1) * n);
            const auto A = kernel_test::cast<T>(random_vector(std::size_t(lda * std::max(k, 1L)), seed++));
            const auto B = kernel_test::cast<T>(random_vector(std::size_t(bsize), seed++));
            const auto bias = kernel_test::cast<T>(random_vector(std::size_t(m), seed++));
            const auto G = kernel_test::cast<T>(random_vector(std::size_t(ldg * n), seed++));
            auto C = kernel_test::cast<T>(random_vector(std::size_t(ldc * n), seed++));
            const auto V = kernel_test::cast<T>(random_vector(std::size_t(m), seed++));
            std::vector<T> M(std::size_t(ldm * n), std::numeric_limits<T>::quiet_NaN());
            for (long j = 0; j < n; ++j)
              for (long i = m; i < ldc; ++i)
                C[std::size_t(i + j * ldc)] = std::numeric_limits<T>::quiet_NaN();
            cpu::small_gemm_args<T> g{.m = m,
                                      .n = n,
                                      .k = k,
                                      .a = A.data(),
                                      .lda = lda,
                                      .b = B.data(),
                                      .b_row = b_row,
                                      .b_col = b_col,
                                      .c = C.data(),
                                      .ldc = ldc};
            if (mode == 1) g.init = cpu::small_gemm_init::accumulate;
            if (mode == 2 || mode == 4 || mode == 5) {
              g.init = cpu::small_gemm_init::row_bias;
              g.bias = bias.data();
            }
            if (mode == 3 || mode == 4) g.epilogue = cpu::small_gemm_epilogue::relu;
            if (mode == 5) {
              g.epilogue = cpu::small_gemm_epilogue::relu_mask;
              g.mask = M.data();
              g.ldm = ldm;
              g.mask_values = V.data();
            }
            if (mode == 1) {
              g.epilogue = cpu::small_gemm_epilogue::gate;
              g.gate = G.data();
              g.ldg = ldg;
            }
            const auto before = C;
            const auto ref = naive(g, before);
            if (fast)
              cpu::small_gemm(g);
            else
              cpu::detail::small_gemm_eigen(g);
            const auto [err, untouched] = compare(C, ref, before, g);
            INFO("m=" << m << " n=" << n << " k=" << k << " layout=" << layout << " mode=" << mode);
            CHECK(err < tol);
            CHECK(untouched);
            if (mode == 5) { // M = [C > 0] · v exactly, padding rows untouched
              bool exact = true, padding = true;
              for (long j = 0; j < n; ++j)
                for (long i = 0; i < ldm; ++i) {
                  const T mv = M[std::size_t(i + j * ldm)];
                  if (i >= m)
                    padding = padding && std::isnan(mv);
                  else
                    exact = exact && mv == (C[std::size_t(i + j * ldc)] > T(0) ? V[std::size_t(i)] : T(0));
                }
              CHECK(exact);
              CHECK(padding);
            }
          }
}

} // namespace

TEMPLATE_TEST_CASE(
    "small_gemm equals a long-double triple loop for every tile tail, stride, init and epilogue",
    "[backend][small_gemm]", float, double) {
  INFO("vectorized kernel on this CPU: " << cpu::small_gemm_vectorized());
  check_all_modes<TestType>(true);
}

TEMPLATE_TEST_CASE("small_gemm's portable Eigen path equals the same reference", "[backend][small_gemm]",
                   float, double) {
  check_all_modes<TestType>(false);
}

TEST_CASE("small_gemm relu and gate epilogues clear exactly the non-positive entries",
          "[backend][small_gemm]") {
  // A = I (3 x 3), B picks signs: C = B, so relu(C) and the gate are checked entry by entry.
  const std::vector<double> A{1, 0, 0, 0, 1, 0, 0, 0, 1};
  const std::vector<double> B{-1, 2, -3, 4, -5, 6}; // 3 x 2 column-major
  const std::vector<double> G{1, -1, 0, 0, 2, 1};   // gate 3 x 2
  std::vector<double> C(6, 99.0);
  cpu::small_gemm<double>({.m = 3,
                           .n = 2,
                           .k = 3,
                           .a = A.data(),
                           .lda = 3,
                           .b = B.data(),
                           .b_row = 1,
                           .b_col = 3,
                           .c = C.data(),
                           .ldc = 3,
                           .epilogue = cpu::small_gemm_epilogue::relu});
  CHECK(C == std::vector<double>{0, 2, 0, 4, 0, 6});
  cpu::small_gemm<double>({.m = 3,
                           .n = 2,
                           .k = 3,
                           .a = A.data(),
                           .lda = 3,
                           .b = B.data(),
                           .b_row = 1,
                           .b_col = 3,
                           .c = C.data(),
                           .ldc = 3,
                           .epilogue = cpu::small_gemm_epilogue::gate,
                           .gate = G.data(),
                           .ldg = 3});
  CHECK(C == std::vector<double>{-1, 0, 0, 0, -5, 6});
}
