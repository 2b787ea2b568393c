// hamgen/backend/cpu/conv_direct.hpp
//
// Represents: direct (im2col-free) CPU kernels for the three products of a convolution, on the
//             geometry of conv_geom.hpp (X (n, cx, xs), W (cy, cx, k), Y (n, cy, ys), groups = 1):
//               direct_conv_fwd          y  = K_w x
//               direct_conv_bwd_data     dx = K_w^T dy
//               direct_conv_bwd_weight   dw = sum_n dy_n (x) col(x_n)
//             and conv_algorithm, the switch between these and the im2col kernels of conv.hpp.
// Requires:   T is float or double; pointers address buffers of the documented sizes; outputs do
//             not alias inputs; every kernel extent <= 64.
// Ensures:    every function OVERWRITES its output. The results equal conv.hpp's up to rounding
//             (sums taken in another order) and do not depend on the thread count for the forward
//             and the data gradient; the weight gradient sums per-thread partials in a fixed
//             order (deterministic for a fixed thread count).
//             Algorithm. Every output of a product is a sum over (channel, tap) of a weight times
//             a source value; for each output pixel the taps that land inside the source (not in
//             the zero padding, and, for the data gradient, on the stride's grid) are known from
//             its coordinates alone. Pixels with the same valid taps form a class; each class
//             keeps a list of (weight offset, source offset) per tap, so padding is never read
//             or multiplied (the saving of a direct convolution over im2col, e.g. 18 % of the
//             multiply-adds of a 4 x 4 x 4, stride 2, padding 1 layer with a 4 x 8 x 8 output).
//             One register tile computes 6 pixels x 2 vectors of channels (AVX2: 16 float or 8
//             double channels; with AVX-512, where both channel counts fill them, 8 pixels x 2
//             vectors: 32 float or 16 double channels) from a weight packed channel-minor
//             ([channel block][channel][tap][lanes]) and a broadcast source value per pixel,
//             with the tap list as its inner loop and no im2col buffer. The forward and the data
//             gradient run the same tile (the data gradient splits each input pixel's taps by its
//             stride phase: a strided transposed convolution is a sum of stride-1 ones); the
//             weight gradient runs it with the roles of pixels and taps exchanged (a tile's rows
//             of output channels x 2 vectors of input channels, summing over the valid pixels of
//             one tap, from a channel-minor copy of X).
//             Source: the direct convolution of Zhang, Franchetti & Low, "High Performance
//             Zero-Memory Overhead Direct Convolutions" (ICML 2018), with the padding-free tap
//             classes in place of their blocked layouts.
#pragma once

#include <hamgen/backend/cpu/conv_geom.hpp>
#include <hamgen/backend/cpu/parallel.hpp>
#include <hamgen/backend/cpu/simd.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace hamgen::backend::cpu {

/// Which kernels the CPU convolutions run: `automatic` picks per call (direct_conv_pays below), the
/// other two force one family for every call (tests and benchmarks compare the two).
enum class conv_algorithm { automatic, im2col, direct };

namespace detail {
inline std::atomic<conv_algorithm>& conv_algorithm_setting() noexcept {
  static std::atomic<conv_algorithm> a{conv_algorithm::automatic};
  return a;
}
} // namespace detail

/// Sets the algorithm of all later CPU convolution calls (process-wide).
inline void set_conv_algorithm(conv_algorithm a) noexcept { detail::conv_algorithm_setting().store(a); }
/// The current setting.
inline conv_algorithm get_conv_algorithm() noexcept { return detail::conv_algorithm_setting().load(); }

namespace detail {

/// Channels per register tile: two vectors. The narrow tile (AVX2, or the portable loops): 16
/// floats, 8 doubles; the wide tile (AVX-512): 32 floats, 16 doubles.
template <class T>
inline constexpr index_t direct_block = 32 / static_cast<index_t>(sizeof(T)) * 2;
template <class T>
inline constexpr index_t direct_wide_block = 64 / static_cast<index_t>(sizeof(T)) * 2;
/// Pixels (forward, data gradient) or output channels (weight gradient) per register tile: the
/// narrow tile's 6 x 2 accumulators take 12 of AVX2's 16 registers, the wide tile's 8 x 2 take 16
/// of AVX-512's 32 (12 rows measured slower: the rows' source pointers no longer fit the
/// general-purpose registers).
inline constexpr int direct_rows = 6;
inline constexpr int direct_wide_rows = 8;

/// The tile of one kernel family: `block` channels x `rows`.
template <class T, bool Wide>
struct direct_shape {
  static constexpr index_t block = Wide ? direct_wide_block<T> : direct_block<T>;
  static constexpr int rows = Wide ? direct_wide_rows : direct_rows;
};

inline std::atomic<bool>& direct_wide_setting() noexcept {
  static std::atomic<bool> on{true};
  return on;
}
/// Lets the direct kernels use the wide tile where the CPU has AVX-512 (default), or keeps them on
/// the narrow one (tests run both on one machine).
inline void set_direct_wide_tiles(bool on) noexcept { direct_wide_setting().store(on); }

/// Whether the direct kernels of g run the wide tile: AVX-512F, allowed, and both channel counts
/// fill its vectors.
template <class T>
bool direct_wide(const conv_geom& g) {
  return direct_wide_setting().load() && simd_avx512_available() && g.cx >= direct_wide_block<T> &&
         g.cy >= direct_wide_block<T>;
}

/// out[p][v] (+)= sum_{c in [c0, c1)} sum_{t < taps} a[c a_pitch + ta[t] + v] b[base[p] + c b_pitch + tb[t]]
/// for p < N, v < VB; out is N x VB, accumulated into when `accumulate`.
template <class T, int N, index_t VB>
void direct_tile_portable(const T* a, index_t a_pitch, const T* b, index_t b_pitch, const index_t* base,
                          const index_t* ta, const index_t* tb, index_t taps, index_t c0, index_t c1, T* out,
                          bool accumulate) {
  T acc[N][VB];
  for (int p = 0; p < N; ++p)
    for (index_t v = 0; v < VB; ++v) acc[p][v] = accumulate ? out[p * VB + v] : T(0);
  for (index_t c = c0; c < c1; ++c)
    for (index_t t = 0; t < taps; ++t) {
      const T* w = a + c * a_pitch + ta[t];
      for (int p = 0; p < N; ++p) {
        const T s = b[base[p] + c * b_pitch + tb[t]];
        for (index_t v = 0; v < VB; ++v) acc[p][v] += w[v] * s;
      }
    }
  for (int p = 0; p < N; ++p)
    for (index_t v = 0; v < VB; ++v) out[p * VB + v] = acc[p][v];
}

#if HAMGEN_X86_SIMD
// The vector tile, defined once for each target from this text: a function template cannot take
// the target of the trait it calls (its trait calls only inline where the caller has that target,
// which fails to compile without optimisation), so a macro stamps out the two definitions.
#define HAMGEN_DIRECT_TILE(NAME, TARGET, TRAIT)                                                              \
  template <class T, int N>                                                                                  \
  [[gnu::target(TARGET)]] void NAME(const T* a, index_t a_pitch, const T* b, index_t b_pitch,                \
                                    const index_t* base, const index_t* ta, const index_t* tb, index_t taps, \
                                    index_t c0, index_t c1, T* out, bool accumulate) {                       \
    using V = TRAIT<T>;                                                                                      \
    using vec = typename V::vec;                                                                             \
    constexpr int L = V::lanes;                                                                              \
    vec lo[N], hi[N];                                                                                        \
    const T* src[N];                                                                                         \
    _Pragma("GCC unroll 8") for (int p = 0; p < N; ++p) {                                                    \
      lo[p] = accumulate ? V::load(out + p * 2 * L) : V::zero();                                             \
      hi[p] = accumulate ? V::load(out + p * 2 * L + L) : V::zero();                                         \
      src[p] = b + base[p] + c0 * b_pitch;                                                                   \
    }                                                                                                        \
    const T* w = a + c0 * a_pitch;                                                                           \
    for (index_t c = c0; c < c1; ++c, w += a_pitch) {                                                        \
      for (index_t t = 0; t < taps; ++t) {                                                                   \
        const vec w0 = V::load(w + ta[t]), w1 = V::load(w + ta[t] + L);                                      \
        const index_t o = tb[t];                                                                             \
        _Pragma("GCC unroll 8") for (int p = 0; p < N; ++p) {                                                \
          const vec s = V::bcast(src[p] + o);                                                                \
          lo[p] = V::fmadd(w0, s, lo[p]);                                                                    \
          hi[p] = V::fmadd(w1, s, hi[p]);                                                                    \
        }                                                                                                    \
      }                                                                                                      \
      _Pragma("GCC unroll 8") for (int p = 0; p < N; ++p) src[p] += b_pitch;                                 \
    }                                                                                                        \
    _Pragma("GCC unroll 8") for (int p = 0; p < N; ++p) {                                                    \
      V::store(out + p * 2 * L, lo[p]);                                                                      \
      V::store(out + p * 2 * L + L, hi[p]);                                                                  \
    }                                                                                                        \
  }
HAMGEN_DIRECT_TILE(direct_tile_avx2, "avx2,fma", avx)
HAMGEN_DIRECT_TILE(direct_tile_avx512, "avx512f", avx512)
#undef HAMGEN_DIRECT_TILE
#endif

/// One tile of N rows: the wide (AVX-512) or narrow (AVX2) vector tile, the portable loops when
/// the CPU lacks that instruction set.
template <class T, int N, bool Wide>
void direct_tile_n(const T* a, index_t a_pitch, const T* b, index_t b_pitch, const index_t* base,
                   const index_t* ta, const index_t* tb, index_t taps, index_t c0, index_t c1, T* out,
                   bool accumulate) {
#if HAMGEN_X86_SIMD
  if constexpr (Wide) {
    if (simd_avx512_available())
      return direct_tile_avx512<T, N>(a, a_pitch, b, b_pitch, base, ta, tb, taps, c0, c1, out, accumulate);
  } else {
    if (simd_avx2_fma_available())
      return direct_tile_avx2<T, N>(a, a_pitch, b, b_pitch, base, ta, tb, taps, c0, c1, out, accumulate);
  }
#endif
  direct_tile_portable<T, N, direct_shape<T, Wide>::block>(a, a_pitch, b, b_pitch, base, ta, tb, taps, c0, c1,
                                                           out, accumulate);
}

/// direct_tile_n for n = 1 .. M rows.
template <class T, bool Wide, int M = direct_shape<T, Wide>::rows>
void direct_tile(int n, const T* a, index_t a_pitch, const T* b, index_t b_pitch, const index_t* base,
                 const index_t* ta, const index_t* tb, index_t taps, index_t c0, index_t c1, T* out,
                 bool accumulate) {
  if constexpr (M > 1)
    if (n < M)
      return direct_tile<T, Wide, M - 1>(n, a, a_pitch, b, b_pitch, base, ta, tb, taps, c0, c1, out,
                                         accumulate);
  direct_tile_n<T, M, Wide>(a, a_pitch, b, b_pitch, base, ta, tb, taps, c0, c1, out, accumulate);
}

/// The valid taps of one coordinate along one dim: a bit mask over the kernel offsets k, and the
/// source coordinate of tap k as base + delta[k].
struct dim_taps {
  std::uint64_t mask = 0;
  index_t base = 0;
  std::array<index_t, 64> delta{};
};

/// Along dim i of g, for every coordinate u of the side being computed: the forward computes
/// output coordinates (source X: u s - p + k d inside X); the data gradient computes input
/// coordinates (source Y: (u + p - k d) / s, exact and inside Y).
inline std::vector<dim_taps> dim_tap_table(const conv_geom& g, int i, bool data_gradient) {
  const index_t out = data_gradient ? g.xs[i] : g.ys[i];
  const index_t src = data_gradient ? g.ys[i] : g.xs[i];
  std::vector<dim_taps> t(static_cast<std::size_t>(out));
  for (index_t u = 0; u < out; ++u) {
    dim_taps& e = t[static_cast<std::size_t>(u)];
    e.base = data_gradient ? (u + g.p[i]) / g.s[i] : u * g.s[i] - g.p[i];
    for (index_t k = 0; k < g.k[i]; ++k) {
      index_t pos;
      if (data_gradient) {
        const index_t a = u + g.p[i] - k * g.d[i];
        if (a < 0 || a % g.s[i] != 0) continue;
        pos = a / g.s[i];
      } else {
        pos = e.base + k * g.d[i];
      }
      if (pos < 0 || pos >= src) continue;
      e.mask |= std::uint64_t(1) << k;
      e.delta[static_cast<std::size_t>(k)] = pos - e.base;
    }
  }
  return t;
}

/// The pixels of the computed side grouped by their valid taps (see the header comment).
struct tap_classes {
  struct cls {
    std::vector<index_t> ta, tb;   // per valid tap: offset into a packed channel, into a source channel
    std::vector<index_t> pix, src; // per pixel: its index, its base offset in the source channel
  };
  std::vector<cls> classes;
};

/// src_pitch: the source's pitches of dims 0 and 1 (dim 2 has pitch 1); vb: the packed tap pitch.
inline tap_classes make_tap_classes(const conv_geom& g, bool data_gradient, index_t vb) {
  std::array<std::vector<dim_taps>, 3> dims;
  std::array<std::vector<int>, 3> key;
  std::array<std::vector<std::size_t>, 3> first; // per dim key: a coordinate that has it
  for (int i = 0; i < 3; ++i) {
    dims[i] = dim_tap_table(g, i, data_gradient);
    std::vector<std::uint64_t> masks;
    for (std::size_t u = 0; u < dims[i].size(); ++u) {
      const auto it = std::find(masks.begin(), masks.end(), dims[i][u].mask);
      if (it == masks.end()) {
        key[i].push_back(static_cast<int>(masks.size()));
        masks.push_back(dims[i][u].mask);
        first[i].push_back(u);
      } else {
        key[i].push_back(static_cast<int>(it - masks.begin()));
      }
    }
  }
  const auto& sz = data_gradient ? g.ys : g.xs; // the source's spatial sizes
  const index_t p0 = sz[1] * sz[2], p1 = sz[2];
  const std::size_t n1 = first[1].size(), n2 = first[2].size();
  tap_classes tc;
  tc.classes.resize(first[0].size() * n1 * n2);
  for (std::size_t a = 0; a < first[0].size(); ++a)
    for (std::size_t b = 0; b < n1; ++b)
      for (std::size_t c = 0; c < n2; ++c) {
        auto& cl = tc.classes[(a * n1 + b) * n2 + c];
        const dim_taps &e0 = dims[0][first[0][a]], &e1 = dims[1][first[1][b]], &e2 = dims[2][first[2][c]];
        for (index_t k0 = 0; k0 < g.k[0]; ++k0)
          for (index_t k1 = 0; k1 < g.k[1]; ++k1)
            for (index_t k2 = 0; k2 < g.k[2]; ++k2) {
              if (!((e0.mask >> k0) & (e1.mask >> k1) & (e2.mask >> k2) & 1)) continue;
              cl.ta.push_back(((k0 * g.k[1] + k1) * g.k[2] + k2) * vb);
              cl.tb.push_back(e0.delta[static_cast<std::size_t>(k0)] * p0 +
                              e1.delta[static_cast<std::size_t>(k1)] * p1 +
                              e2.delta[static_cast<std::size_t>(k2)]);
            }
      }
  const auto& os = data_gradient ? g.xs : g.ys; // the computed side's spatial sizes
  for (index_t u0 = 0; u0 < os[0]; ++u0)
    for (index_t u1 = 0; u1 < os[1]; ++u1)
      for (index_t u2 = 0; u2 < os[2]; ++u2) {
        const auto i0 = static_cast<std::size_t>(u0), i1 = static_cast<std::size_t>(u1),
                   i2 = static_cast<std::size_t>(u2);
        auto& cl =
            tc.classes[(static_cast<std::size_t>(key[0][i0]) * n1 + static_cast<std::size_t>(key[1][i1])) *
                           n2 +
                       static_cast<std::size_t>(key[2][i2])];
        cl.pix.push_back((u0 * os[1] + u1) * os[2] + u2);
        cl.src.push_back(dims[0][i0].base * p0 + dims[1][i1].base * p1 + dims[2][i2].base);
      }
  return tc;
}

/// Up to a tile's rows of pixels of one class: their source base offsets and output offsets.
struct direct_run {
  int cls = 0, n = 0;
  index_t sample = 0; // of its first pixel
  std::array<index_t, std::max(direct_rows, direct_wide_rows)> src{}, out{};
};

struct direct_pack_tag {};
/// Bytes of one sample's source above which direct_gather blocks its source channels (L2: a
/// smaller source stays in cache across the output blocks anyway), and the channels per block.
inline constexpr index_t direct_blocked_source_bytes = index_t{1} << 20;
inline constexpr index_t direct_channel_block = 16;
struct direct_out_tag {};

/// The shared driver of the forward and the data gradient: out (n, co, out_pixels) from the
/// source (n, ci, src_pixels) and the packed weight a ([co block][ci][k volume][VB]).
template <class T, bool Wide>
void direct_gather(const conv_geom& g, const tap_classes& tc, const T* a, index_t ci, index_t co,
                   const T* src, index_t src_pixels, T* out, index_t out_pixels) {
  constexpr index_t VB = direct_shape<T, Wide>::block;
  constexpr int rows = direct_shape<T, Wide>::rows;
  const index_t KV = g.k_volume(), blocks = (co + VB - 1) / VB, a_pitch = KV * VB;
  // channels per pass over the runs: about 16 KiB of packed weight (L1)
  const index_t cstep =
      std::max<index_t>(1, (index_t(1) << 14) / (a_pitch * static_cast<index_t>(sizeof(T))));
  // source channels per block of passes (below): a whole number of passes
  const index_t kstep = ci * src_pixels * static_cast<index_t>(sizeof(T)) > direct_blocked_source_bytes
                            ? cstep * ((direct_channel_block + cstep - 1) / cstep)
                            : ci;
  const int chunks = parallel_chunks(g.n);
  parallel_for_chunks(g.n, chunks, [&](int, index_t nb, index_t ne) {
    std::vector<direct_run> runs;
    for (std::size_t c = 0; c < tc.classes.size(); ++c) {
      const auto& cl = tc.classes[c];
      direct_run r;
      r.cls = static_cast<int>(c);
      for (index_t n = nb; n < ne; ++n)
        for (std::size_t p = 0; p < cl.pix.size(); ++p) {
          if (r.n == 0) r.sample = n;
          r.src[static_cast<std::size_t>(r.n)] = n * ci * src_pixels + cl.src[p];
          r.out[static_cast<std::size_t>(r.n)] = n * co * out_pixels + cl.pix[p];
          if (++r.n == rows) {
            runs.push_back(r);
            r.n = 0;
          }
        }
      if (r.n > 0) runs.push_back(r);
    }
    // sample-major order, so a sample's source stays in cache while its runs are computed
    std::stable_sort(runs.begin(), runs.end(),
                     [](const direct_run& x, const direct_run& y) { return x.sample < y.sample; });
    // slices of whole samples' runs, at least 64 runs each: the tiles of one slice are all that
    // is held (an output-sized buffer for the whole chunk would add to a step's peak memory).
    // Within a slice, a large source (> direct_blocked_source_bytes per sample) goes in blocks
    // of ~direct_channel_block channels, all output blocks per channel block, so the slice's
    // source of those channels stays in L2 while every output block reads it (with all channels
    // per output block, a 256-channel source is read from L3 once per output block: the
    // 64 x 64 HALO layer's forward measured ~5 % slower). Smaller sources take all channels per
    // output block (the blocked order holds every output block's tiles, which then no longer
    // sit in L1: the 2 x 4 x 4 layer of the video discriminator measured ~10 % slower blocked).
    const std::size_t slice_runs = 64;
    for (std::size_t r0 = 0; r0 < runs.size();) {
      std::size_t r1 = std::min(runs.size(), r0 + slice_runs);
      while (r1 < runs.size() && runs[r1].sample == runs[r1 - 1].sample) ++r1;
      const auto first = runs.begin() + static_cast<std::ptrdiff_t>(r0),
                 last = runs.begin() + static_cast<std::ptrdiff_t>(r1);
      const index_t tiles = static_cast<index_t>(r1 - r0) * rows * VB; // per output block
      T* tile = scratch_buffer<T, direct_out_tag>(static_cast<std::size_t>(blocks * tiles)); // grow-only
      for (index_t k0 = 0; k0 < ci; k0 += kstep)
        for (index_t ob = 0; ob < blocks; ++ob) {
          const T* ab = a + ob * ci * a_pitch;
          const index_t k1 = std::min(ci, k0 + kstep);
          for (index_t c0 = k0; c0 < k1; c0 += cstep) {
            const index_t c1 = std::min(k1, c0 + cstep);
            T* t = tile + ob * tiles;
            for (auto r = first; r != last; ++r, t += rows * VB) {
              const auto& cl = tc.classes[static_cast<std::size_t>(r->cls)];
              // a class without valid taps (inputs no output reads) gets zeros from its first pass
              direct_tile<T, Wide>(r->n, ab, a_pitch, src, src_pixels, r->src.data(), cl.ta.data(),
                                   cl.tb.data(), static_cast<index_t>(cl.ta.size()), c0, c1, t, c0 > 0);
            }
          }
        }
      for (index_t ob = 0; ob < blocks; ++ob) {
        const index_t width = std::min(VB, co - ob * VB);
        const T* t = tile + ob * tiles;
        // channel by channel: a run's pixels are mostly neighbours, so each channel's writes
        // share cache lines
        for (auto r = first; r != last; ++r, t += rows * VB)
          for (index_t v = 0; v < width; ++v) {
            T* o = out + (ob * VB + v) * out_pixels;
            for (int p = 0; p < r->n; ++p) o[r->out[static_cast<std::size_t>(p)]] = t[p * VB + v];
          }
      }
      r0 = r1;
    }
    release_scratch<T, direct_out_tag>();
  });
}

template <class T, bool Wide>
void direct_conv_fwd_with(const conv_geom& g, const T* x, const T* w, T* y) {
  constexpr index_t VB = direct_shape<T, Wide>::block;
  const index_t R = g.col_rows(), blocks = (g.cy + VB - 1) / VB;
  T* a = scratch_buffer<T, direct_pack_tag>(static_cast<std::size_t>(blocks * R * VB));
  std::fill(a, a + blocks * R * VB, T(0));
  for (index_t ob = 0; ob < blocks; ++ob) { // a[ob][c][tap][v] = w[ob VB + v][c][tap]
    const index_t width = std::min(VB, g.cy - ob * VB);
    // in blocks of 64 rows, which stay in L1 between the rows' reads and the columns' writes (the
    // VB weight rows, R apart, often fall in one cache set: the transpose of a 128 -> 256, 4 x 4 x 4
    // weight measured half of its forward's time unblocked)
    for (index_t r0 = 0; r0 < R; r0 += 64)
      for (index_t v = 0; v < width; ++v) {
        const T* wv = w + (ob * VB + v) * R;
        for (index_t r = r0; r < std::min(R, r0 + 64); ++r) a[(ob * R + r) * VB + v] = wv[r];
      }
  }
  direct_gather<T, Wide>(g, make_tap_classes(g, false, VB), a, g.cx, g.cy, x, g.x_pixels(), y, g.y_pixels());
  release_scratch<T, direct_pack_tag>();
}

/// y = K_w x: X (n, cx, xs) -> Y (n, cy, ys).
template <class T>
void direct_conv_fwd(const conv_geom& g, const T* x, const T* w, T* y) {
  if (direct_wide<T>(g)) return direct_conv_fwd_with<T, true>(g, x, w, y);
  direct_conv_fwd_with<T, false>(g, x, w, y);
}

template <class T, bool Wide>
void direct_conv_bwd_data_with(const conv_geom& g, const T* dy, const T* w, T* dx) {
  constexpr index_t VB = direct_shape<T, Wide>::block;
  const index_t KV = g.k_volume(), blocks = (g.cx + VB - 1) / VB;
  const std::size_t size = static_cast<std::size_t>(blocks * g.cy * KV * VB);
  T* a = scratch_buffer<T, direct_pack_tag>(size);
  std::fill(a, a + size, T(0));
  for (index_t o = 0; o < g.cy; ++o) // a[c / VB][o][tap][c % VB] = w[o][c][tap]
    for (index_t c = 0; c < g.cx; ++c)
      for (index_t t = 0; t < KV; ++t)
        a[(((c / VB) * g.cy + o) * KV + t) * VB + c % VB] = w[(o * g.cx + c) * KV + t];
  direct_gather<T, Wide>(g, make_tap_classes(g, true, VB), a, g.cy, g.cx, dy, g.y_pixels(), dx, g.x_pixels());
  release_scratch<T, direct_pack_tag>();
}

/// dx = K_w^T dy: Y (n, cy, ys) -> X (n, cx, xs).
template <class T>
void direct_conv_bwd_data(const conv_geom& g, const T* dy, const T* w, T* dx) {
  if (direct_wide<T>(g)) return direct_conv_bwd_data_with<T, true>(g, dy, w, dx);
  direct_conv_bwd_data_with<T, false>(g, dy, w, dx);
}

struct direct_xt_tag {};

template <class T, bool Wide>
void direct_conv_bwd_weight_with(const conv_geom& g, const T* x, const T* dy, T* dw) {
  constexpr index_t VB = direct_shape<T, Wide>::block;
  constexpr int tile_rows = direct_shape<T, Wide>::rows;
  const index_t KV = g.k_volume(), P = g.y_pixels(), XPIX = g.x_pixels(), R = g.col_rows();
  const index_t CB = (g.cx + VB - 1) / VB, CP = CB * VB;
  const index_t orun = (g.cy + tile_rows - 1) / tile_rows;
  // per tap: the output pixels whose source lies inside X, and that source position
  std::vector<std::vector<index_t>> tap_a(static_cast<std::size_t>(KV)), tap_b(static_cast<std::size_t>(KV));
  for (index_t k0 = 0; k0 < g.k[0]; ++k0)
    for (index_t k1 = 0; k1 < g.k[1]; ++k1)
      for (index_t k2 = 0; k2 < g.k[2]; ++k2) {
        const auto t = static_cast<std::size_t>((k0 * g.k[1] + k1) * g.k[2] + k2);
        for (index_t o0 = 0; o0 < g.ys[0]; ++o0) {
          const index_t i0 = o0 * g.s[0] - g.p[0] + k0 * g.d[0];
          if (i0 < 0 || i0 >= g.xs[0]) continue;
          for (index_t o1 = 0; o1 < g.ys[1]; ++o1) {
            const index_t i1 = o1 * g.s[1] - g.p[1] + k1 * g.d[1];
            if (i1 < 0 || i1 >= g.xs[1]) continue;
            for (index_t o2 = 0; o2 < g.ys[2]; ++o2) {
              const index_t i2 = o2 * g.s[2] - g.p[2] + k2 * g.d[2];
              if (i2 < 0 || i2 >= g.xs[2]) continue;
              tap_a[t].push_back(((i0 * g.xs[1] + i1) * g.xs[2] + i2) * CP);
              tap_b[t].push_back((o0 * g.ys[1] + o1) * g.ys[2] + o2);
            }
          }
        }
      }
  const int chunks = parallel_chunks(g.n);
  const std::size_t tile_size = static_cast<std::size_t>(KV * CB * orun * tile_rows * VB);
  std::vector<T> partial_sums(
      chunks > 1 ? static_cast<std::size_t>(chunks - 1) * static_cast<std::size_t>(g.cy * R) : 0);
  parallel_for_chunks(g.n, chunks, [&](int chunk, index_t nb, index_t ne) {
    // samples per product: enough pixels that each tile sums over >= ~256 of them
    const index_t grp = std::clamp<index_t>((256 + P - 1) / P, 1, ne - nb);
    T* xt = scratch_buffer<T, direct_xt_tag>(static_cast<std::size_t>(grp * XPIX * CP));
    T* tile = scratch_buffer<T, direct_out_tag>(tile_size);
    for (index_t n0 = nb; n0 < ne; n0 += grp) {
      const index_t gn = std::min(grp, ne - n0);
      for (index_t s = 0; s < gn; ++s) { // xt[s][pos][c] = x[n0 + s][c][pos], zero for c >= cx
        T* d = xt + s * XPIX * CP;
        const T* xs = x + (n0 + s) * g.cx * XPIX;
        for (index_t pos = 0; pos < XPIX; ++pos) {
          for (index_t c = 0; c < g.cx; ++c) d[pos * CP + c] = xs[c * XPIX + pos];
          for (index_t c = g.cx; c < CP; ++c) d[pos * CP + c] = T(0);
        }
      }
      T* t = tile;
      for (index_t tap = 0; tap < KV; ++tap) {
        const auto& ta = tap_a[static_cast<std::size_t>(tap)];
        const auto& tb = tap_b[static_cast<std::size_t>(tap)];
        for (index_t cb = 0; cb < CB; ++cb)
          for (index_t o0 = 0; o0 < g.cy; o0 += tile_rows, t += tile_rows * VB) {
            const int rows = static_cast<int>(std::min<index_t>(tile_rows, g.cy - o0));
            std::array<index_t, tile_rows> base{};
            for (int r = 0; r < rows; ++r) base[static_cast<std::size_t>(r)] = (n0 * g.cy + o0 + r) * P;
            direct_tile<T, Wide>(rows, xt + cb * VB, XPIX * CP, dy, g.cy * P, base.data(), ta.data(),
                                 tb.data(), static_cast<index_t>(ta.size()), 0, gn, t, n0 > nb);
          }
      }
    }
    T* DW = chunk == 0 ? dw
                       : partial_sums.data() +
                             static_cast<std::size_t>(chunk - 1) * static_cast<std::size_t>(g.cy * R);
    const T* t = tile;
    for (index_t tap = 0; tap < KV; ++tap)
      for (index_t cb = 0; cb < CB; ++cb)
        for (index_t o0 = 0; o0 < g.cy; o0 += tile_rows, t += tile_rows * VB) {
          const index_t rows = std::min<index_t>(tile_rows, g.cy - o0), width = std::min(VB, g.cx - cb * VB);
          for (index_t r = 0; r < rows; ++r)
            for (index_t v = 0; v < width; ++v)
              DW[((o0 + r) * g.cx + cb * VB + v) * KV + tap] = t[r * VB + v];
        }
    release_scratch<T, direct_xt_tag, direct_out_tag>();
  });
  for (int k = 1; k < chunks; ++k) {
    const T* p = partial_sums.data() + static_cast<std::size_t>(k - 1) * static_cast<std::size_t>(g.cy * R);
    for (index_t i = 0; i < g.cy * R; ++i) dw[i] += p[i];
  }
}

/// dw = sum_n dy_n col(x_n)^T: (cy, cx * k).
template <class T>
void direct_conv_bwd_weight(const conv_geom& g, const T* x, const T* dy, T* dw) {
  if (direct_wide<T>(g)) return direct_conv_bwd_weight_with<T, true>(g, x, dy, dw);
  direct_conv_bwd_weight_with<T, false>(g, x, dy, dw);
}

/// The share of im2col's multiply-adds that a direct kernel does: (pixel, tap) pairs whose tap
/// lands inside X, over all of them (1 without padding).
inline double direct_tap_share(const conv_geom& g) {
  double share = 1;
  for (int i = 0; i < 3; ++i) {
    index_t valid = 0;
    for (index_t o = 0; o < g.ys[i]; ++o)
      for (index_t k = 0; k < g.k[i]; ++k) {
        const index_t pos = o * g.s[i] - g.p[i] + k * g.d[i];
        valid += pos >= 0 && pos < g.xs[i];
      }
    share *= static_cast<double>(valid) / static_cast<double>(g.ys[i] * g.k[i]);
  }
  return share;
}

/// The bytes of an im2col block of 256 columns above which the forward goes direct: such a block
/// no longer fits in L2 between im2col and its product (the HALO layers, 6400 rows, and the 128
/// -> 256 and 256 -> 512 layers of a 96 x 96 DCGAN discriminator measured 5-15 % faster
/// direct). A strided forward goes direct at any size: every strided layer timed (DCGAN,
/// video and HALO, 15 of them) was faster direct, while im2col won the large stride-1 layers
/// with few rows (16 -> 256 on 64 x 64, 5 x 5: 66.5 against 85 ms; 64 -> 64 on 32 x 32, 3 x 3).
inline constexpr index_t direct_im2col_block_bytes = index_t{1} << 20;

/// The three products of a convolution.
enum class conv_pass { forward, data, weight };

/// Whether the direct kernel of `pass` is expected to beat im2col for g (unless forced by
/// set_conv_algorithm). Measured on the DCGAN, video and HALO layers (docs/benchmarks.md):
/// the direct kernels win when both channel counts fill the narrow tile's vectors and either
/// padding is at least 10 % of im2col's taps or the output has < 256 pixels per sample (where
/// im2col's products are short); the weight gradient's tile also needs cx < 128 (from 128 input
/// channels on, Eigen's product over im2col's columns measured faster than the narrow tile); the
/// forward also goes direct when it is strided or im2col's rows are many
/// (direct_im2col_block_bytes). The wide (AVX-512) tile wins every strided product, and the
/// weight gradient from 128 input channels on while the output has <= 256 pixels per sample
/// (the 32 x 32 HALO layer: 67 against 71 ms; the 64 x 64 one, 1024 pixels: 298 against 273).
template <class T>
bool direct_conv_pays(const conv_geom& g, conv_pass pass) {
  for (int i = 0; i < 3; ++i)
    if (g.k[i] > 64) return false;
  switch (get_conv_algorithm()) {
  case conv_algorithm::im2col:
    return false;
  case conv_algorithm::direct:
    return true;
  default:
    break;
  }
  if (!simd_avx2_fma_available() || g.cx < direct_block<T> || g.cy < direct_block<T>) return false;
  const bool wide = direct_wide<T>(g), strided = g.s[0] > 1 || g.s[1] > 1 || g.s[2] > 1;
  if (pass == conv_pass::weight && g.cx >= 128 && !(wide && g.y_pixels() <= 256)) return false;
  if (pass == conv_pass::forward &&
      (strided || g.col_rows() * 256 * static_cast<index_t>(sizeof(T)) > direct_im2col_block_bytes))
    return true;
  if (wide && strided) return true;
  return g.y_pixels() < 256 || direct_tap_share(g) <= 0.9;
}

} // namespace detail

} // namespace hamgen::backend::cpu
