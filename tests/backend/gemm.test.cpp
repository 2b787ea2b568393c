#include <hamgen/backend/cpu/gemm.hpp>

#include "kernel_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
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

namespace {

const char* kernel_name(cpu::gemm_kernel k) {
  switch (k) {
  case cpu::gemm_kernel::automatic:
    return "automatic";
  case cpu::gemm_kernel::eigen:
    return "eigen";
  case cpu::gemm_kernel::dot:
    return "dot";
  case cpu::gemm_kernel::packed:
    return "packed";
  case cpu::gemm_kernel::broadcast:
    return "broadcast";
  }
  return "?";
}

struct gemm_case {
  long m, n, k;
  long pad_a, pad_b, pad_c; // leading dimension minus stored row length
};

/// Runs gemm<T> with kernel `kern` on one case and checks every entry of C (and the padding
/// between rows, which must stay untouched) against a long-double triple loop, within the
/// rigorous bound (k + 2) * eps(T) * (|alpha| sum_p |a||b| + |beta c|) scaled by 2. C starts
/// where its std::vector puts it, or, with c_skew >= 0, c_skew elements past a 64-byte boundary.
template <class T>
void check_case(cpu::gemm_kernel kern, bool ta, bool tb, const gemm_case& g, T alpha, T beta, unsigned seed,
                int c_skew = -1) {
  const long m = g.m, n = g.n, k = g.k;
  const long lda = (ta ? m : k) + g.pad_a, ldb = (tb ? k : n) + g.pad_b, ldc = n + g.pad_c;
  const auto A = kernel_test::cast<T>(random_vector(static_cast<std::size_t>((ta ? k : m) * lda), seed));
  const auto B = kernel_test::cast<T>(random_vector(static_cast<std::size_t>((tb ? n : k) * ldb), seed + 1));
  const auto c_values = kernel_test::cast<T>(random_vector(static_cast<std::size_t>(m * ldc), seed + 2));
  std::vector<T> c_store(c_values.size() + 64 / sizeof(T) + static_cast<std::size_t>(std::max(c_skew, 0)));
  const std::size_t c_first =
      c_skew < 0 ? 0
                 : (64 - reinterpret_cast<std::uintptr_t>(c_store.data()) % 64) % 64 / sizeof(T) +
                       static_cast<std::size_t>(c_skew);
  const std::span<T> C(c_store.data() + c_first, c_values.size());
  std::copy(c_values.begin(), c_values.end(), C.begin());
  if (beta == T(0))
    for (long i = 0; i < m; ++i)
      for (long j = 0; j < n; ++j)
        C[static_cast<std::size_t>(i * ldc + j)] = std::numeric_limits<T>::quiet_NaN();
  const std::vector<T> C_in(C.begin(), C.end());
  cpu::gemm<T>(kern, ta, tb, m, n, k, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  const long double eps = std::numeric_limits<T>::epsilon();
  long bad = 0;
  std::string first_bad;
  for (long i = 0; i < m; ++i) {
    for (long j = 0; j < ldc; ++j) {
      const auto at = static_cast<std::size_t>(i * ldc + j);
      if (j >= n) { // padding is never written
        if (!(C[at] == C_in[at])) ++bad;
        continue;
      }
      long double s = 0, abs_s = 0;
      for (long p = 0; p < k; ++p) {
        const long double x =
            ta ? A[static_cast<std::size_t>(p * lda + i)] : A[static_cast<std::size_t>(i * lda + p)];
        const long double y =
            tb ? B[static_cast<std::size_t>(j * ldb + p)] : B[static_cast<std::size_t>(p * ldb + j)];
        s += x * y;
        abs_s += std::abs(x * y);
      }
      const long double c0 = beta == T(0) ? 0.0L : static_cast<long double>(C_in[at]);
      const long double ref = static_cast<long double>(alpha) * s + static_cast<long double>(beta) * c0;
      const long double bound =
          2 * (k + 2) * eps *
          (std::abs(static_cast<long double>(alpha)) * abs_s + std::abs(static_cast<long double>(beta) * c0));
      const long double err = std::abs(static_cast<long double>(C[at]) - ref);
      if (!(err <= bound + std::numeric_limits<T>::min())) {
        if (bad == 0)
          first_bad = "C(" + std::to_string(i) + "," + std::to_string(j) +
                      ") = " + std::to_string(double(C[at])) + ", reference " + std::to_string(double(ref));
        ++bad;
      }
    }
  }
  INFO("kernel " << kernel_name(kern) << " T=" << (sizeof(T) == 4 ? "float" : "double") << " ta=" << ta
                 << " tb=" << tb << " m=" << m << " n=" << n << " k=" << k << " lda=" << lda << " ldb=" << ldb
                 << " ldc=" << ldc << " alpha=" << alpha << " beta=" << beta << ": " << first_bad);
  CHECK(bad == 0);
}

// Edge shapes for the 3 x 4 dot tile, the 6 x 2-vector packed tile, the broadcast kernel's
// MR x NV tiles (few rows 1-96 giving panel mixes of 1, 2, 3 and 3 + 2 vectors, in both
// orientations m < n and m > n) and their blockings: sizes that are not multiples of the tiles or
// of the vector width, k-blocks (dot: kc up to 2048;
// packed with few rows (m <= 96): kc = 256 float / 192 double, less for m > 32, 4-panel column
// blocks whose last panel is partial; packed with more rows: kc = 128), several nc
// blocks of B (256 KiB per block) and several row blocks of A (1020 rows).
const gemm_case edge_cases[] = {
    {1, 1, 1, 0, 0, 0},     {2, 3, 5, 1, 2, 3},     {3, 4, 8, 0, 0, 0},     {5, 7, 3, 2, 1, 3},
    {4, 5, 9, 3, 0, 1},     {6, 16, 16, 0, 0, 0},   {7, 17, 33, 1, 1, 1},   {12, 32, 64, 0, 0, 0},
    {13, 31, 257, 5, 3, 2}, {25, 70, 130, 1, 7, 5}, {24, 40, 300, 0, 0, 0}, {3, 5, 2100, 1, 1, 1},
    {2, 9, 4200, 0, 3, 0},  {7, 300, 600, 3, 2, 1}, {130, 20, 9, 2, 2, 2},  {1030, 11, 7, 1, 0, 3},
    {9, 1100, 70, 0, 5, 0}, {1100, 9, 70, 1, 0, 2}, {90, 70, 300, 1, 2, 3}, {96, 33, 200, 0, 0, 0},
    {97, 40, 20, 0, 1, 0},  {40, 61, 45, 2, 0, 1},  {61, 40, 45, 0, 2, 1}};

template <class T>
void check_kernel(cpu::gemm_kernel kern) {
  unsigned seed = 10;
  for (const auto& g : edge_cases)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        if (!cpu::gemm_kernel_supports(kern, ta, tb) && kern != cpu::gemm_kernel::eigen) continue;
        check_case<T>(kern, ta, tb, g, T(0.75), T(-1.25), seed++);
        check_case<T>(kern, ta, tb, g, T(1), T(0), seed++);
        check_case<T>(kern, ta, tb, g, T(-2), T(1), seed++);
      }
}

} // namespace

TEMPLATE_TEST_CASE("every gemm kernel matches a long-double triple loop on edge shapes", "[backend][gemm]",
                   float, double) {
  if (!cpu::gemm_simd_available())
    WARN("this CPU lacks AVX2+FMA: the dot, packed and broadcast kernels fall back to Eigen");
  SECTION("one thread") {
    cpu::set_num_threads(1);
    for (const auto kern : {cpu::gemm_kernel::eigen, cpu::gemm_kernel::dot, cpu::gemm_kernel::packed,
                            cpu::gemm_kernel::broadcast, cpu::gemm_kernel::automatic})
      check_kernel<TestType>(kern);
  }
  SECTION("split over two threads") {
    cpu::set_num_threads(2);
    for (const auto kern : {cpu::gemm_kernel::dot, cpu::gemm_kernel::packed, cpu::gemm_kernel::broadcast})
      for (const auto& g : {gemm_case{24, 700, 256, 1, 0, 0}, gemm_case{700, 24, 256, 0, 1, 2}})
        for (bool ta : {false, true}) {
          const bool tb = kern != cpu::gemm_kernel::packed;
          if (cpu::gemm_kernel_supports(kern, ta, tb))
            check_case<TestType>(kern, ta, tb, g, TestType(0.5), TestType(0.25), 99);
        }
    cpu::set_num_threads(1);
  }
}

TEMPLATE_TEST_CASE("the packed kernel on a large C and a deep, wide B", "[backend][gemm]", float, double) {
  // a rank-5 update writing 8 MiB (rows 32-byte aligned or not: ldc = n + 1), and m = 24 against
  // a B of several k-slices and column blocks (the shape of a Linear layer's input gradient)
  cpu::set_num_threads(1);
  const long n = 8 * 1024 * 1024 / (1024 * long(sizeof(TestType)));
  check_case<TestType>(cpu::gemm_kernel::packed, true, false, gemm_case{1024, n, 5, 0, 0, 1}, TestType(1),
                       TestType(0), 7);
  check_case<TestType>(cpu::gemm_kernel::packed, false, false, gemm_case{24, 1500, 700, 3, 2, 1},
                       TestType(-0.5), TestType(0.5), 8);
}

TEMPLATE_TEST_CASE("the packed kernel streams a large, aligned C of one k-block past the caches",
                   "[backend][gemm]", float, double) {
  // a rank-7 update into a C of > 4 MiB starting on a 64-byte boundary, its rows 32-byte aligned
  // (ldc = n + 3): full tiles are written with non-temporal stores, the partial tiles at the right
  // and bottom edges (m = 1027, n not a multiple of the 2-vector panel) normally. With two threads
  // each slice holds > 2 MiB; the float C is split by columns, so the second slice (starting at an
  // unaligned column) stores normally, the double C by rows, so both slices stream. Then the same
  // C one element past the boundary (no streaming).
  using T = TestType;
  const long n = 4 * 1024 * 1024 / (1024 * long(sizeof(T))) + 5;
  for (const int threads : {1, 2}) {
    cpu::set_num_threads(threads);
    check_case<T>(cpu::gemm_kernel::packed, true, false, gemm_case{1027, n, 7, 0, 0, 3}, T(1), T(0), 31, 0);
    check_case<T>(cpu::gemm_kernel::packed, false, false, gemm_case{1027, n, 7, 1, 0, 3}, T(-0.5), T(0), 32,
                  1);
  }
  cpu::set_num_threads(1);
#if HAMGEN_GEMM_X86_SIMD
  // the rule: beta == 0, one k-block, C >= stream_c_bytes, 32-byte aligned rows
  alignas(64) static T c[8];
  const long big = cpu::detail::stream_c_bytes / long(sizeof(T)) / 1024;
  CHECK(cpu::detail::packed_streams_c<T>(1024, big, 24, T(0), c, big));
  CHECK(cpu::detail::packed_streams_c<T>(1024, big, cpu::detail::packed_kc, T(0), c, big));
  CHECK_FALSE(cpu::detail::packed_streams_c<T>(1024, big, cpu::detail::packed_kc + 1, T(0), c, big));
  CHECK_FALSE(cpu::detail::packed_streams_c<T>(1024, big, 24, T(1), c, big));
  CHECK_FALSE(cpu::detail::packed_streams_c<T>(1023, big, 24, T(0), c, big));
  CHECK_FALSE(cpu::detail::packed_streams_c<T>(1024, big, 24, T(0), c + 1, big));
  CHECK_FALSE(cpu::detail::packed_streams_c<T>(1024, big, 24, T(0), c, big + 1));
#endif
}

TEMPLATE_TEST_CASE("the broadcast kernel over several k-slices and every panel mix", "[backend][gemm]", float,
                   double) {
  // few rows 9..96 in both orientations; k = 1100 spans 2-5 slices of the 192 KiB packed slice
  // for 96 few rows (kc = 512 floats, 256 doubles) and one or two for fewer
  cpu::set_num_threads(1);
  unsigned seed = 200;
  for (const long few : {9L, 17L, 33L, 40L, 96L}) {
    check_case<TestType>(cpu::gemm_kernel::broadcast, false, true, gemm_case{few, 50, 1100, 1, 3, 2},
                         TestType(0.5), TestType(-1), seed++);
    check_case<TestType>(cpu::gemm_kernel::broadcast, false, true, gemm_case{50, few, 1100, 0, 1, 1},
                         TestType(1), TestType(0), seed++);
  }
  // both sides above 96 rows: passes of 96 few rows each, in both orientations
  check_case<TestType>(cpu::gemm_kernel::broadcast, false, true, gemm_case{150, 200, 300, 0, 2, 1},
                       TestType(1), TestType(0.5), seed++);
  check_case<TestType>(cpu::gemm_kernel::broadcast, false, true, gemm_case{200, 150, 300, 1, 0, 0},
                       TestType(-1), TestType(0), seed++);
}

TEST_CASE("gemm_kernel_for picks the skinny kernels for a Linear layer at a small batch", "[backend][gemm]") {
  if (!cpu::gemm_simd_available()) {
    WARN("this CPU lacks AVX2+FMA: every shape uses Eigen");
    CHECK(cpu::gemm_kernel_for<float>(false, true, 24, 2048, 4096) == cpu::gemm_kernel::eigen);
    return;
  }
  // y = x W^T, dx = dy W, dW = dy^T x for Linear 4096 -> 2048 at batch 24
  CHECK(cpu::gemm_kernel_for<float>(false, true, 24, 2048, 4096) == cpu::gemm_kernel::broadcast);
  CHECK(cpu::gemm_kernel_for<double>(false, true, 24, 2048, 4096) == cpu::gemm_kernel::broadcast);
  CHECK(cpu::gemm_kernel_for<float>(false, false, 24, 4096, 2048) == cpu::gemm_kernel::packed);
  CHECK(cpu::gemm_kernel_for<float>(true, false, 2048, 4096, 24) == cpu::gemm_kernel::packed);
  // the forward at batch <= one vector (8 floats, 4 doubles) takes the dot kernel, and either
  // orientation (a big batch through a narrow layer) takes the broadcast kernel
  CHECK(cpu::gemm_kernel_for<float>(false, true, 8, 2048, 4096) == cpu::gemm_kernel::dot);
  CHECK(cpu::gemm_kernel_for<double>(false, true, 4, 2048, 4096) == cpu::gemm_kernel::dot);
  CHECK(cpu::gemm_kernel_for<double>(false, true, 5, 2048, 4096) == cpu::gemm_kernel::broadcast);
  CHECK(cpu::gemm_kernel_for<float>(false, true, 2048, 24, 4096) == cpu::gemm_kernel::broadcast);
  CHECK(cpu::gemm_kernel_for<float>(false, true, 97, 2048, 4096) == cpu::gemm_kernel::eigen);
  // more than one panel of few rows needs >= 2 MiB on the many side: a convolution's weight
  // gradient over one 24 x 24 image (64 x 512 x 576, 1.1 MiB) stays on Eigen
  CHECK(cpu::gemm_kernel_for<float>(false, true, 64, 512, 576) == cpu::gemm_kernel::eigen);
  CHECK(cpu::gemm_kernel_for<float>(false, true, 32, 1024, 512) == cpu::gemm_kernel::broadcast);
  CHECK(cpu::gemm_kernel_for<float>(false, true, 24, 512, 256) == cpu::gemm_kernel::broadcast);
  // Linear 256 -> 4096's weight gradient: a 4 MiB float C stays on Eigen, the 8 MiB double one not
  CHECK(cpu::gemm_kernel_for<float>(true, false, 4096, 256, 24) == cpu::gemm_kernel::eigen);
  CHECK(cpu::gemm_kernel_for<double>(true, false, 4096, 256, 24) == cpu::gemm_kernel::packed);
  // Linear 256 -> 4096: its 4 MiB weight streams through the broadcast kernel in the forward
  // and through the packed kernel in dx = dy W (from packed_min_b_bytes: 4 MiB of float, 2 MiB
  // of double); a smaller B stays on Eigen
  CHECK(cpu::gemm_kernel_for<float>(false, true, 24, 4096, 256) == cpu::gemm_kernel::broadcast);
  CHECK(cpu::gemm_kernel_for<float>(false, false, 24, 256, 4096) == cpu::gemm_kernel::packed);
  CHECK(cpu::gemm_kernel_for<float>(false, false, 24, 256, 2048) == cpu::gemm_kernel::eigen);
  CHECK(cpu::gemm_kernel_for<double>(false, false, 24, 256, 1024) == cpu::gemm_kernel::packed);
  CHECK(cpu::gemm_kernel_for<double>(false, false, 24, 256, 512) == cpu::gemm_kernel::eigen);
  CHECK(cpu::gemm_kernel_for<float>(false, false, 97, 256, 4096) == cpu::gemm_kernel::eigen);
  CHECK(cpu::gemm_kernel_for<double>(false, false, 24, 4096, 2048) == cpu::gemm_kernel::packed);
  // a forward whose weight (< 512 KiB) stays in cache, large square products and op(A)^T op(B)^T
  // stay on Eigen
  CHECK(cpu::gemm_kernel_for<float>(false, true, 24, 128, 512) == cpu::gemm_kernel::eigen);
  CHECK(cpu::gemm_kernel_for<float>(false, true, 1024, 1024, 1024) == cpu::gemm_kernel::eigen);
  CHECK(cpu::gemm_kernel_for<float>(true, true, 24, 2048, 4096) == cpu::gemm_kernel::eigen);
  CHECK_FALSE(cpu::gemm_kernel_supports(cpu::gemm_kernel::broadcast, false, false));
  CHECK_FALSE(cpu::gemm_kernel_supports(cpu::gemm_kernel::dot, false, false));
  CHECK(cpu::gemm_kernel_supports(cpu::gemm_kernel::packed, false, true));
  CHECK(cpu::gemm_kernel_supports(cpu::gemm_kernel::packed, true, true));
}
