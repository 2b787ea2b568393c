// hamgen/backend/cpu/simd.hpp
//
// Represents: the AVX2/FMA vocabulary of the CPU kernels (gemm.hpp's broadcast, dot and packed kernels,
//             small_gemm.hpp): detail::avx<T> for T = float (8 lanes) and double (4 lanes) with
//             loads, masked loads/stores, broadcasts, fused multiply-adds, the ReLU / gate blends,
//             horizontal sums and lanes x lanes block transposes, and the one run-time check of whether this
//             CPU has AVX2 and FMA; detail::avx512<T> (16 float / 8 double lanes: loads, stores,
//             broadcasts, fused multiply-adds) for the direct convolution's wide tile, with its
//             own check (AVX-512F).
// Requires:   HAMGEN_X86_SIMD (default: 1 on x86 with GCC or Clang; define it 0 before including to
//             compile the portable paths only). The traits are compiled for AVX2+FMA (avx512<T>:
//             AVX-512F) through function target attributes, so they may only be called from
//             functions with the same target, after simd_avx2_fma_available() (or
//             simd_avx512_available()) returned true.
// Ensures:    binaries built for baseline x86-64 still use the AVX2 kernels where the CPU has them.
#pragma once

#include <cstdint>

#ifndef HAMGEN_X86_SIMD
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define HAMGEN_X86_SIMD 1
#else
#define HAMGEN_X86_SIMD 0
#endif
#endif
#if HAMGEN_X86_SIMD
#include <immintrin.h>
#endif

namespace hamgen::backend::cpu {

/// Whether this CPU runs the AVX2+FMA kernels (always false when HAMGEN_X86_SIMD is 0).
inline bool simd_avx2_fma_available() noexcept {
#if HAMGEN_X86_SIMD
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

/// Whether this CPU runs the AVX-512F kernels (always false when HAMGEN_X86_SIMD is 0).
inline bool simd_avx512_available() noexcept {
#if HAMGEN_X86_SIMD
  static const bool ok = __builtin_cpu_supports("avx512f");
  return ok;
#else
  return false;
#endif
}

#if HAMGEN_X86_SIMD
#define HAMGEN_SIMD_FN [[gnu::target("avx2,fma"), gnu::always_inline]] inline

namespace detail {

template <class T>
struct avx;

template <>
struct avx<float> {
  using vec = __m256;
  static constexpr int lanes = 8;
  HAMGEN_SIMD_FN static vec zero() { return _mm256_setzero_ps(); }
  HAMGEN_SIMD_FN static vec load(const float* p) { return _mm256_loadu_ps(p); }
  HAMGEN_SIMD_FN static vec mload(const float* p, __m256i m) { return _mm256_maskload_ps(p, m); }
  HAMGEN_SIMD_FN static vec bcast(const float* p) { return _mm256_broadcast_ss(p); }
  HAMGEN_SIMD_FN static vec set1(float x) { return _mm256_set1_ps(x); }
  HAMGEN_SIMD_FN static void store(float* p, vec v) { _mm256_storeu_ps(p, v); }
  /// Non-temporal store (p 32-byte aligned): written around the caches, without reading the line.
  HAMGEN_SIMD_FN static void stream(float* p, vec v) { _mm256_stream_ps(p, v); }
  HAMGEN_SIMD_FN static void mstore(float* p, __m256i m, vec v) { _mm256_maskstore_ps(p, m, v); }
  HAMGEN_SIMD_FN static vec fmadd(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
  HAMGEN_SIMD_FN static vec mul(vec a, vec b) { return _mm256_mul_ps(a, b); }
  HAMGEN_SIMD_FN static vec add(vec a, vec b) { return _mm256_add_ps(a, b); }
  HAMGEN_SIMD_FN static vec max0(vec a) { return _mm256_max_ps(a, _mm256_setzero_ps()); }
  /// [g > 0] ? v : 0
  HAMGEN_SIMD_FN static vec gate(vec g, vec v) {
    return _mm256_and_ps(_mm256_cmp_ps(g, _mm256_setzero_ps(), _CMP_GT_OQ), v);
  }
  /// Mask of the first c lanes (0 ≤ c ≤ 8).
  HAMGEN_SIMD_FN static __m256i mask(int c) {
    alignas(32) static const std::int32_t tbl[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tbl + 8 - c));
  }
  /// out[j] = sum of the lanes of v[j], j < 4.
  HAMGEN_SIMD_FN static void hsum4(vec v0, vec v1, vec v2, vec v3, float* out) {
    const vec t = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1)));
  }
  /// dst[i * ld_dst + r] = src[r * ld_src + i] for r, i < 8 (an 8 x 8 block transposed).
  HAMGEN_SIMD_FN static void transpose(const float* src, std::int64_t ld_src, float* dst,
                                       std::int64_t ld_dst) {
    vec r[8], t[8];
    for (int i = 0; i < 8; ++i) r[i] = load(src + i * ld_src);
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int h = 0; h < 8; h += 4) { // rows h..h+3: lanes (0, 4) of t[h], t[h + 2] and (1, 5) likewise
      r[h] = _mm256_shuffle_ps(t[h], t[h + 2], 0x44);
      r[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], 0xEE);
      r[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0x44);
      r[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0xEE);
    }
    for (int i = 0; i < 4; ++i) {
      store(dst + i * ld_dst, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
      store(dst + (i + 4) * ld_dst, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
    }
  }
  HAMGEN_SIMD_FN static float hsum(vec v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

template <>
struct avx<double> {
  using vec = __m256d;
  static constexpr int lanes = 4;
  HAMGEN_SIMD_FN static vec zero() { return _mm256_setzero_pd(); }
  HAMGEN_SIMD_FN static vec load(const double* p) { return _mm256_loadu_pd(p); }
  HAMGEN_SIMD_FN static vec mload(const double* p, __m256i m) { return _mm256_maskload_pd(p, m); }
  HAMGEN_SIMD_FN static vec bcast(const double* p) { return _mm256_broadcast_sd(p); }
  HAMGEN_SIMD_FN static vec set1(double x) { return _mm256_set1_pd(x); }
  HAMGEN_SIMD_FN static void store(double* p, vec v) { _mm256_storeu_pd(p, v); }
  HAMGEN_SIMD_FN static void stream(double* p, vec v) { _mm256_stream_pd(p, v); }
  HAMGEN_SIMD_FN static void mstore(double* p, __m256i m, vec v) { _mm256_maskstore_pd(p, m, v); }
  HAMGEN_SIMD_FN static vec fmadd(vec a, vec b, vec c) { return _mm256_fmadd_pd(a, b, c); }
  HAMGEN_SIMD_FN static vec mul(vec a, vec b) { return _mm256_mul_pd(a, b); }
  HAMGEN_SIMD_FN static vec add(vec a, vec b) { return _mm256_add_pd(a, b); }
  HAMGEN_SIMD_FN static vec max0(vec a) { return _mm256_max_pd(a, _mm256_setzero_pd()); }
  /// [g > 0] ? v : 0
  HAMGEN_SIMD_FN static vec gate(vec g, vec v) {
    return _mm256_and_pd(_mm256_cmp_pd(g, _mm256_setzero_pd(), _CMP_GT_OQ), v);
  }
  /// Mask of the first c lanes (0 ≤ c ≤ 4).
  HAMGEN_SIMD_FN static __m256i mask(int c) {
    alignas(32) static const std::int64_t tbl[8] = {-1, -1, -1, -1, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tbl + 4 - c));
  }
  HAMGEN_SIMD_FN static void hsum4(vec v0, vec v1, vec v2, vec v3, double* out) {
    const vec t0 = _mm256_hadd_pd(v0, v1), t1 = _mm256_hadd_pd(v2, v3);
    _mm256_storeu_pd(
        out, _mm256_add_pd(_mm256_permute2f128_pd(t0, t1, 0x20), _mm256_permute2f128_pd(t0, t1, 0x31)));
  }
  /// dst[i * ld_dst + r] = src[r * ld_src + i] for r, i < 4 (a 4 x 4 block transposed).
  HAMGEN_SIMD_FN static void transpose(const double* src, std::int64_t ld_src, double* dst,
                                       std::int64_t ld_dst) {
    const vec r0 = load(src), r1 = load(src + ld_src), r2 = load(src + 2 * ld_src),
              r3 = load(src + 3 * ld_src);
    const vec t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
    const vec t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    store(dst, _mm256_permute2f128_pd(t0, t2, 0x20));
    store(dst + ld_dst, _mm256_permute2f128_pd(t1, t3, 0x20));
    store(dst + 2 * ld_dst, _mm256_permute2f128_pd(t0, t2, 0x31));
    store(dst + 3 * ld_dst, _mm256_permute2f128_pd(t1, t3, 0x31));
  }
  HAMGEN_SIMD_FN static double hsum(vec v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
};

#define HAMGEN_SIMD512_FN [[gnu::target("avx512f"), gnu::always_inline]] inline

template <class T>
struct avx512;

template <>
struct avx512<float> {
  using vec = __m512;
  static constexpr int lanes = 16;
  HAMGEN_SIMD512_FN static vec zero() { return _mm512_setzero_ps(); }
  HAMGEN_SIMD512_FN static vec load(const float* p) { return _mm512_loadu_ps(p); }
  HAMGEN_SIMD512_FN static vec bcast(const float* p) { return _mm512_set1_ps(*p); }
  HAMGEN_SIMD512_FN static void store(float* p, vec v) { _mm512_storeu_ps(p, v); }
  HAMGEN_SIMD512_FN static vec fmadd(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
};

template <>
struct avx512<double> {
  using vec = __m512d;
  static constexpr int lanes = 8;
  HAMGEN_SIMD512_FN static vec zero() { return _mm512_setzero_pd(); }
  HAMGEN_SIMD512_FN static vec load(const double* p) { return _mm512_loadu_pd(p); }
  HAMGEN_SIMD512_FN static vec bcast(const double* p) { return _mm512_set1_pd(*p); }
  HAMGEN_SIMD512_FN static void store(double* p, vec v) { _mm512_storeu_pd(p, v); }
  HAMGEN_SIMD512_FN static vec fmadd(vec a, vec b, vec c) { return _mm512_fmadd_pd(a, b, c); }
};

} // namespace detail
#endif // HAMGEN_X86_SIMD

} // namespace hamgen::backend::cpu
