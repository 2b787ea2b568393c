// hamgen/backend/cpu/conv.hpp
//
// Represents: raw CPU kernels for N-d convolution (D = 1, 2, 3 spatial dims) and transposed
//             convolution, forward and backward, on plain row-major buffers with no autodiff:
//               x  (batch, in_channels,  spatial...)           NCL / NCHW / NCDHW
//               w  (out_channels, in_channels, kernel...)      PyTorch's Conv{1,2,3}d weight
//               y  (batch, out_channels, output spatial...)
//             and for the transposed convolution (PyTorch's ConvTranspose{1,2,3}d)
//               w  (in_channels, out_channels, kernel...)
//             Cross-correlation as in PyTorch: y[n,o,i] = b[o] + sum_{c,k} w[o,c,k] x[n,c,i*s-p+k*d],
//             with zero padding, stride s, dilation d, groups = 1.
// Requires:   Eigen 3.4 (GEMM); T is float or double; pointers address buffers of the documented
//             sizes; outputs do not alias inputs.
// Ensures:    every function OVERWRITES its output buffer (no accumulation). Sizes:
//               conv_output_size(shape, opts)[i] = floor((in + pad_total - d(k-1) - 1)/s) + 1,
//                 pad_total = 2p, or p when opts.causal (all padding at the start: causal 1-d
//                 convolution with p = d(k-1) keeps the length and never looks ahead);
//               conv_transpose_output_size(shape, opts)[i] = (in-1)s - 2p + d(k-1) + output_padding + 1.
//             Algebra (used by the autodiff wrapper, including double backprop):
//               conv_forward          y  = K_w x (+ b)             linear in x and in w
//               conv_backward_data    dx = K_w^T dy (+ b)           (= a transposed conv of dy)
//               conv_backward_weight  dw = sum_n dy_n (x) col(x_n)  bilinear in (x, dy)
//               conv_transpose_forward(x, w)        = conv_backward_data(dy := x, w)
//               conv_transpose_backward_data(dy, w) = conv_forward(dy, w)
//               conv_transpose_backward_weight(x,dy)= conv_backward_weight(x := dy, dy := x)
//             so the derivative of every kernel here w.r.t. each argument is another kernel here:
//               d/dy of conv_backward_data(dy, w)       -> conv_forward
//               d/dw of conv_backward_data(dy, w)[g]    -> conv_backward_weight(x := g, dy)
//               d/dx of conv_backward_weight(x, dy)[g]  -> conv_backward_data(dy, w := g)
//               d/ddy of conv_backward_weight(x, dy)[g] -> conv_forward(x, w := g).
//             Algorithm: each product first asks detail::direct_conv_pays (conv_direct.hpp) whether
//             the direct kernels, which skip the zero padding and need no column buffer, are
//             expected to be faster (small outputs, many padded taps; for the forward also an
//             im2col block larger than L2) and runs them if so; otherwise
//             im2col/vol2col per sample (rows (c, kd, kh, kw), columns output pixels)
//             into a per-thread reusable buffer, then one Eigen GEMM per group of samples (small
//             outputs are grouped so each GEMM has >= ~256 columns, within a workspace of the
//             larger of 64 Ki elements and the weight's size; a kernel covering the whole
//             unpadded input is a single GEMM over the batch, no im2col). The data gradient of a
//             group with <= 96 columns computes col^T = dY^T W and transposes it, which spares
//             Eigen repacking all of W^T for a short product. im2col reads from a
//             zero-padded copy of the sample whose W rows are split into their stride phases, so
//             every column row segment is one contiguous copy (unrolled for the common widths);
//             col2im accumulates into that layout and copies back. Large outputs are lowered in
//             blocks of output rows (~256 KiB of columns, >= 256 pixels) so im2col/col2im and
//             the GEMM meet in cache; a weight gradient larger than 512 KiB is computed in slabs of
//             input channels (its columns for a few channels stay in L2 while the sample's blocks
//             of output rows are summed into them). The batch is split over
//             num_threads() threads (parallel.hpp); the weight gradient is reduced per thread and
//             summed in a fixed order (deterministic for a fixed thread count).
//             Source: the im2col lowering of Chellapilla, Puri & Simard (2006), as in Caffe/PyTorch.
#pragma once

#include <hamgen/backend/cpu/conv_direct.hpp>
#include <hamgen/backend/cpu/conv_geom.hpp>
#include <hamgen/backend/cpu/gemm.hpp>
#include <hamgen/backend/cpu/parallel.hpp>
#include <hamgen/backend/cpu/reshape.hpp>
#include <hamgen/core/error.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

namespace hamgen::backend::cpu {

/// y[n, c, pixel] += bias[c] (the forward of bias_backward).
template <class T>
void bias_add(index_t batch, index_t channels, index_t pixels, const T* bias, T* y) {
  for (index_t n = 0; n < batch; ++n)
    for (index_t c = 0; c < channels; ++c) {
      T* yc = y + (n * channels + c) * pixels;
      for (index_t i = 0; i < pixels; ++i) yc[i] += bias[c];
    }
}

namespace detail {

/// Where one sample's X is read from by im2col (and accumulated into by col2im): a zero-padded
/// copy of X in which every W row is split into its s2 stride phases,
///   buf[c][e0][e1][r][j] = X[c][e0 - p0][e1 - p1][j * s2 + r - p2]   (0 outside X),
/// for padded positions e_i < extent_i = (ys_i - 1) s_i + d_i (k_i - 1) + 1 (the part any output
/// reads). Every im2col row segment (fixed c, kernel offset and output row) is then a contiguous
/// run of ys2 elements of buf: no bounds checks and no strided loads in the hot loop. When X needs
/// no padding and s2 == 1, X itself has this layout (direct: no copy).
struct padded_layout {
  std::array<index_t, 3> extent{1, 1, 1};
  index_t phase = 1;                    // J: elements per phase row
  index_t row = 1, plane = 1, chan = 1; // pitches of e1, e0 and c
  bool direct = false;
  index_t size(index_t channels) const { return direct ? 0 : channels * chan; }
};

inline padded_layout make_padded_layout(const conv_geom& g) {
  padded_layout l;
  for (int i = 0; i < 3; ++i) l.extent[i] = (g.ys[i] - 1) * g.s[i] + g.d[i] * (g.k[i] - 1) + 1;
  l.direct = g.p[0] == 0 && g.p[1] == 0 && g.p[2] == 0 && g.s[2] == 1;
  if (l.direct) {
    l.phase = g.xs[2];
    l.row = g.xs[2];
    l.plane = g.xs[1] * g.xs[2];
    l.chan = g.x_pixels();
  } else {
    l.phase = (l.extent[2] + g.s[2] - 1) / g.s[2];
    l.row = g.s[2] * l.phase;
    l.plane = l.extent[1] * l.row;
    l.chan = l.extent[0] * l.plane;
  }
  return l;
}

struct zrow_tag {};

/// A zero-padded W row: z[q] = X row[q - p2] for q in [p2, p2 + xs2), 0 elsewhere in [0, len);
/// len covers the phase rows (s2 J) and the row itself. Only [p2, p2 + xs2) is ever rewritten,
/// so the zeros are written once per call.
template <class T>
struct zero_row {
  index_t len;
  T* z;
  zero_row(const conv_geom& g, const padded_layout& l)
      : len(std::max(g.s[2] * l.phase, g.p[2] + g.xs[2])),
        z(scratch_buffer<T, zrow_tag>(static_cast<std::size_t>(len))) {
    std::fill(z, z + len, T(0));
  }
};

/// d[r J + j] = z[j s2 + r]: one padded row split into its stride phases.
template <class T>
inline void split_phases(const T* __restrict z, T* __restrict d, index_t sw, index_t J) {
  if (sw == 2) {
    for (index_t j = 0; j < J; ++j) d[j] = z[2 * j];
    for (index_t j = 0; j < J; ++j) d[J + j] = z[2 * j + 1];
  } else {
    for (index_t r = 0; r < sw; ++r)
      for (index_t j = 0; j < J; ++j) d[r * J + j] = z[j * sw + r];
  }
}

/// buf = the padded, phase-split copy of x_n (layout l, not direct).
template <class T>
void pad_split(const conv_geom& g, const padded_layout& l, const T* x, T* buf) {
  const index_t sw = g.s[2];
  zero_row<T> zr(g, l);
  for (index_t c = 0; c < g.cx; ++c)
    for (index_t e0 = 0; e0 < l.extent[0]; ++e0) {
      T* dst0 = buf + c * l.chan + e0 * l.plane;
      const index_t id = e0 - g.p[0];
      if (id < 0 || id >= g.xs[0]) {
        std::fill(dst0, dst0 + l.plane, T(0));
        continue;
      }
      for (index_t e1 = 0; e1 < l.extent[1]; ++e1) {
        T* dst = dst0 + e1 * l.row;
        const index_t ih = e1 - g.p[1];
        if (ih < 0 || ih >= g.xs[1]) {
          std::fill(dst, dst + l.row, T(0));
          continue;
        }
        const T* src = x + (c * g.xs[0] + id) * g.xs[1] * g.xs[2] + ih * g.xs[2];
        if (sw == 1) { // no phases: the padded row itself (its first row entries)
          std::fill(dst, dst + std::min(g.p[2], l.row), T(0));
          const index_t n = std::clamp<index_t>(l.row - g.p[2], 0, g.xs[2]);
          std::memcpy(dst + g.p[2], src, sizeof(T) * static_cast<std::size_t>(n));
          if (g.p[2] + n < l.row) std::fill(dst + g.p[2] + n, dst + l.row, T(0));
          continue;
        }
        std::memcpy(zr.z + g.p[2], src, sizeof(T) * static_cast<std::size_t>(g.xs[2]));
        split_phases(zr.z, dst, sw, l.phase);
      }
    }
}

/// The adjoint of pad_split restricted to X: dx_n = the entries of buf at X's positions
/// (overwrites dx_n; inputs no output reads get 0).
template <class T>
void unpad_merge(const conv_geom& g, const padded_layout& l, const T* buf, T* dx) {
  const index_t sw = g.s[2], J = l.phase;
  zero_row<T> zr(g, l); // positions >= s2 J stay 0: inputs beyond the last phase entry
  for (index_t c = 0; c < g.cx; ++c)
    for (index_t id = 0; id < g.xs[0]; ++id)
      for (index_t ih = 0; ih < g.xs[1]; ++ih) {
        T* dst = dx + ((c * g.xs[0] + id) * g.xs[1] + ih) * g.xs[2];
        const index_t e0 = id + g.p[0], e1 = ih + g.p[1];
        if (e0 >= l.extent[0] || e1 >= l.extent[1]) {
          std::fill(dst, dst + g.xs[2], T(0));
          continue;
        }
        const T* src = buf + c * l.chan + e0 * l.plane + e1 * l.row;
        T* __restrict z = zr.z;
        if (sw == 2) {
          for (index_t j = 0; j < J; ++j) z[2 * j] = src[j];
          for (index_t j = 0; j < J; ++j) z[2 * j + 1] = src[J + j];
        } else {
          for (index_t r = 0; r < sw; ++r)
            for (index_t j = 0; j < J; ++j) z[j * sw + r] = src[r * J + j];
        }
        std::memcpy(dst, z + g.p[2], sizeof(T) * static_cast<std::size_t>(g.xs[2]));
      }
}

/// Copies n0 x n1 rows of W (W > 0: compile-time width, else w) from src (row pitches p0, p1)
/// to consecutive rows of dst; Add: dst rows are added into the src positions instead (the
/// adjoint, dst -> src).
template <index_t W, bool Add, class S, class C>
inline void row_block(S* __restrict src, index_t p0, index_t p1, index_t n1, index_t t0, index_t t1,
                      C* __restrict dst, index_t w) {
  [[maybe_unused]] const index_t width = W > 0 ? W : w;
  index_t a = t0 / n1, b = t0 % n1;
  for (index_t t = t0; t < t1; ++t) {
    S* s = src + a * p0 + b * p1;
    // explicit vector copies: left to itself, g++ vectorises the loop over rows instead, with
    // one scalar insert per element and spills
    if constexpr (W > 0) {
      using fixed = Eigen::Array<std::remove_const_t<S>, W, 1>;
      if constexpr (Add)
        Eigen::Map<fixed>(s) += Eigen::Map<const fixed>(dst);
      else
        Eigen::Map<fixed>{dst} = Eigen::Map<const fixed>(s);
    } else {
      using dyn = Eigen::Array<std::remove_const_t<S>, Eigen::Dynamic, 1>;
      if constexpr (Add)
        Eigen::Map<dyn>(s, width) += Eigen::Map<const dyn>(dst, width);
      else
        std::memcpy(dst, s, sizeof(S) * static_cast<std::size_t>(width));
    }
    dst += width;
    if (++b == n1) {
      b = 0;
      ++a;
    }
  }
}

/// For every col row (c, kd, kh, kw) of the channels [c0, c1): row_block over the output rows
/// [t0, t1) (t = od * ys1 + oh) of the padded layout rooted at base (Add: col -> buf
/// accumulation, else buf -> col copy); col row r (counted from channel c0) holds those
/// (t1 - t0) * ys2 pixels at col + r * ld + off.
template <bool Add, class B, class C>
void for_col_rows(const conv_geom& g, const padded_layout& l, B* base, C* col, index_t ld, index_t off,
                  index_t t0, index_t t1, index_t c0, index_t c1) {
  const index_t p0 = g.s[0] * l.plane, p1 = g.s[1] * l.row, w = g.ys[2];
  auto run = [&](auto width) {
    constexpr index_t W = decltype(width)::value;
    for (index_t c = c0; c < c1; ++c)
      for (index_t kd = 0; kd < g.k[0]; ++kd)
        for (index_t kh = 0; kh < g.k[1]; ++kh)
          for (index_t kw = 0; kw < g.k[2]; ++kw) {
            const index_t row = (((c - c0) * g.k[0] + kd) * g.k[1] + kh) * g.k[2] + kw;
            const index_t q = kw * g.d[2];
            B* src = base + c * l.chan + kd * g.d[0] * l.plane + kh * g.d[1] * l.row +
                     (q % g.s[2]) * l.phase + q / g.s[2];
            row_block<W, Add>(src, p0, p1, g.ys[1], t0, t1, col + row * ld + off, w);
          }
  };
  switch (w) { // the row widths of the strided DCGAN / video / HALO layers: unrolled copies
  case 2:
    run(std::integral_constant<index_t, 2>{});
    break;
  case 3:
    run(std::integral_constant<index_t, 3>{});
    break;
  case 4:
    run(std::integral_constant<index_t, 4>{});
    break;
  case 6:
    run(std::integral_constant<index_t, 6>{});
    break;
  case 8:
    run(std::integral_constant<index_t, 8>{});
    break;
  case 12:
    run(std::integral_constant<index_t, 12>{});
    break;
  case 16:
    run(std::integral_constant<index_t, 16>{});
    break;
  case 24:
    run(std::integral_constant<index_t, 24>{});
    break;
  case 32:
    run(std::integral_constant<index_t, 32>{});
    break;
  case 48:
    run(std::integral_constant<index_t, 48>{});
    break;
  case 64:
    run(std::integral_constant<index_t, 64>{});
    break;
  default:
    run(std::integral_constant<index_t, 0>{});
  }
}

struct pad_tag {};

/// One sample's X as im2col reads it: X itself (direct layout) or its padded, phase-split copy
/// in the calling thread's pad scratch.
template <class T>
const T* im2col_source(const conv_geom& g, const padded_layout& l, const T* x) {
  if (l.direct) return x;
  T* buf = scratch_buffer<T, pad_tag>(static_cast<std::size_t>(l.size(g.cx)));
  pad_split(g, l, x, buf);
  return buf;
}

/// col[row * ld + off + pixel] = x_n[c, input position] for the output rows [t0, t1) and the
/// channels [c0, c1) (all by default; rows counted from c0), zero outside the padded input;
/// src = im2col_source(g, l, x_n).
template <class T>
void im2col(const conv_geom& g, const padded_layout& l, const T* src, T* col, index_t ld, index_t off,
            index_t t0, index_t t1, index_t c0 = 0, index_t c1 = -1) {
  for_col_rows<false>(g, l, src, col, ld, off, t0, t1, c0, c1 < 0 ? g.cx : c1);
}
/// The whole sample.
template <class T>
void im2col(const conv_geom& g, const T* x, T* col, index_t ld, index_t off) {
  const padded_layout l = make_padded_layout(g);
  im2col(g, l, im2col_source(g, l, x), col, ld, off, 0, g.ys[0] * g.ys[1]);
}

/// The adjoint of im2col, in three steps per sample: col2im_begin (zeroed accumulator: dx_n
/// itself when direct, else the pad scratch), col2im_add per block of output rows, col2im_end
/// (dx_n = the accumulator at X's positions). dx_n is OVERWRITTEN.
template <class T>
T* col2im_begin(const conv_geom& g, const padded_layout& l, T* dx) {
  T* acc = l.direct ? dx : scratch_buffer<T, pad_tag>(static_cast<std::size_t>(l.size(g.cx)));
  std::fill(acc, acc + (l.direct ? g.cx * g.x_pixels() : l.size(g.cx)), T(0));
  return acc;
}
template <class T>
void col2im_add(const conv_geom& g, const padded_layout& l, T* acc, const T* col, index_t ld, index_t off,
                index_t t0, index_t t1) {
  for_col_rows<true>(g, l, acc, col, ld, off, t0, t1, 0, g.cx);
}
template <class T>
void col2im_end(const conv_geom& g, const padded_layout& l, const T* acc, T* dx) {
  if (!l.direct) unpad_merge(g, l, acc, dx);
}
/// dx_n[c, input position] = sum of the col entries that im2col copies from it (whole sample).
template <class T>
void col2im(const conv_geom& g, const T* col, index_t ld, index_t off, T* dx) {
  const padded_layout l = make_padded_layout(g);
  T* acc = col2im_begin(g, l, dx);
  col2im_add(g, l, acc, col, ld, off, 0, g.ys[0] * g.ys[1]);
  col2im_end(g, l, acc, dx);
}

/// Output rows (od, oh) per im2col block of one sample: about col_block_elements column entries
/// (the block stays in L2 between im2col and the GEMM) but at least gemm_min_columns pixels.
inline constexpr index_t col_block_elements = index_t(1) << 16;
inline index_t rows_per_block(const conv_geom& g) {
  const index_t rows = g.ys[0] * g.ys[1];
  const index_t pixels = std::max<index_t>(256, col_block_elements / std::max<index_t>(g.col_rows(), 1));
  return std::clamp<index_t>((pixels + g.ys[2] - 1) / g.ys[2], 1, rows);
}

template <class T>
using row_mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using mat_map = Eigen::Map<row_mat<T>>;
template <class T>
using cmat_map = Eigen::Map<const row_mat<T>>;

struct col_tag {};
struct colt_tag {};
struct gather_tag {};

inline constexpr index_t gemm_min_columns = 256;

/// Samples per GEMM: enough that the GEMM has >= gemm_min_columns columns, but no more than
/// keep the column buffer (col_rows x samples x pixels) within col_block_elements (L2 resident,
/// and a small transient workspace: a step's peak memory counts it) or, when larger, within
/// weight_elements. The forward and the data gradient pass the weight's size (divided among the
/// threads that each hold a workspace, so the total stays within it): their products
/// repack all of the weight on every call, so a large weight with few pixels per sample (the
/// 128 -> 256 layer of the 96 x 96 DCGAN discriminator: 2 MiB of weight, 36 pixels) needs
/// several samples per product; a workspace no larger than the weight keeps the step's memory
/// in proportion to the model's. For those two products a pair of samples is always allowed
/// (the 64 -> 128 layer of the same model, 144 pixels and 512 KiB of weight, whose sample's
/// columns outgrow the weight: its data gradient measured 13 % faster in pairs). (The weight
/// gradient's product measured no faster grouped.)
inline index_t group_size(index_t pixels, index_t samples, index_t col_rows, index_t weight_elements = 0) {
  if (pixels >= gemm_min_columns) return 1;
  const index_t want = std::clamp<index_t>((gemm_min_columns + pixels - 1) / pixels, 1, samples);
  const index_t sample = std::max<index_t>(col_rows * pixels, 1);
  const index_t budget =
      std::max({col_block_elements, weight_elements, weight_elements > 0 ? 2 * sample : index_t(0)});
  return std::clamp<index_t>(budget / sample, 1, want);
}

/// Threads over the batch when that splits evenly (or the batch is large); otherwise 1 chunk,
/// and the GEMMs inside are threaded instead (gemm() runs serially inside a batch chunk).
inline int batch_chunks(index_t n) {
  const int t = parallel_chunks(n);
  if (t <= 1) return 1;
  return (n % t == 0 || n >= 4 * t) ? t : 1;
}

/// The weight gradient's slabs: when dW (cy x R) is larger than weight_slab_bytes, a sample with
/// a large output is lowered slab by slab: a slab is the columns of dW of a few input channels
/// (~weight_slab_bytes, L2 resident), computed from the im2col rows of those channels over
/// blocks of ~weight_slab_pixels output pixels, so dW is read and written once per sample
/// instead of once per block of output rows, and each product is a short, deep one whose C stays
/// in cache (the 64 x 64 -> 32 x 32, 256 -> 256 HALO layer, whose dW is 6.5 MiB: 271-283 ms
/// against 284-329 without slabs, docs/benchmarks.md).
inline constexpr index_t weight_slab_bytes = index_t{512} << 10;
inline constexpr index_t weight_slab_pixels = 512;
/// Input channels per slab of g's weight gradient (cx when dW fits one slab).
template <class T>
index_t weight_slab_channels(const conv_geom& g) {
  const index_t per_channel = g.cy * g.k_volume() * static_cast<index_t>(sizeof(T));
  return std::clamp<index_t>(weight_slab_bytes / std::max<index_t>(per_channel, 1), 1, g.cx);
}

/// How one batch chunk of `samples` samples is lowered: samples per GEMM (group_size, with the
/// chunk's share of the weight budget), output rows (od, oh) in all and per im2col block, and the
/// calling thread's column workspace and, when samples are grouped, its (cy, grp * pixels) gather
/// buffer; `slab` input channels per lowering of a single sample: all of them, or with
/// weight_slabs (the weight gradient) and one sample per product, weight_slab_channels over
/// blocks of ~weight_slab_pixels when dW is larger than one slab.
template <class T>
struct chunk_plan {
  index_t grp, rows, rpb, slab;
  T* col;
  T* tmp;
};
template <class T>
chunk_plan<T> plan_chunk(const conv_geom& g, index_t samples, index_t weight_elements = 0,
                         bool weight_slabs = false) {
  const index_t P = g.y_pixels(), R = g.col_rows();
  const index_t grp = group_size(P, samples, R, weight_elements);
  const index_t slab = grp == 1 && weight_slabs ? weight_slab_channels<T>(g) : g.cx;
  const index_t rows = g.ys[0] * g.ys[1];
  const index_t rpb = slab < g.cx ? std::clamp<index_t>((weight_slab_pixels + g.ys[2] - 1) / g.ys[2], 1, rows)
                      : grp == 1  ? rows_per_block(g)
                                  : rows;
  T* col = scratch_buffer<T, col_tag>(
      static_cast<std::size_t>(slab * g.k_volume() * (grp == 1 ? rpb * g.ys[2] : grp * P)));
  T* tmp = grp > 1 ? scratch_buffer<T, gather_tag>(static_cast<std::size_t>(g.cy * grp * P)) : nullptr;
  return {grp, rows, rpb, slab, col, tmp};
}

/// Copies sample blocks (c, P) of gn samples starting at n0 into / out of a (C, gn*P) matrix.
template <class T>
void gather_samples(const T* src, index_t n0, index_t gn, index_t C, index_t P, T* dst) {
  const index_t ld = gn * P;
  for (index_t s = 0; s < gn; ++s)
    for (index_t c = 0; c < C; ++c)
      std::memcpy(dst + c * ld + s * P, src + ((n0 + s) * C + c) * P, sizeof(T) * P);
}
template <class T>
void scatter_samples(const T* src, index_t n0, index_t gn, index_t C, index_t P, T* dst) {
  const index_t ld = gn * P;
  for (index_t s = 0; s < gn; ++s)
    for (index_t c = 0; c < C; ++c)
      std::memcpy(dst + ((n0 + s) * C + c) * P, src + c * ld + s * P, sizeof(T) * P);
}

/// True when the kernel covers the whole unpadded input and the output is one pixel: then
/// col(x_n) = x_n and the convolution is a plain matrix product over the batch (the last layer
/// of a DCGAN discriminator, the 1x1 -> k x k first layer of the generator).
inline bool is_dense(const conv_geom& g) {
  for (int i = 0; i < 3; ++i)
    if (g.ys[i] != 1 || g.p[i] != 0 || g.k[i] != g.xs[i] || (g.k[i] > 1 && g.d[i] != 1)) return false;
  return true;
}

/// y = K_w x (+ bias): X (n, cx, xs) -> Y (n, cy, ys).
template <class T>
void conv_fwd(const conv_geom& g, const T* x, const T* w, const T* bias, T* y) {
  const index_t P = g.y_pixels(), R = g.col_rows(), XP = g.cx * g.x_pixels();
  const padded_layout l = make_padded_layout(g);
  if (is_dense(g)) { // Y (n x cy) = X (n x R) W^T
    gemm<T>(false, true, g.n, g.cy, R, T(1), x, R, w, R, T(0), y, g.cy);
    if (bias)
      for (index_t n = 0; n < g.n; ++n)
        for (index_t c = 0; c < g.cy; ++c) y[n * g.cy + c] += bias[c];
    return;
  }
  if (direct_conv_pays<T>(g, conv_pass::forward)) {
    direct_conv_fwd(g, x, w, y);
    if (bias) bias_add(g.n, g.cy, P, bias, y);
    return;
  }
  const int chunks = batch_chunks(g.n);
  parallel_for_chunks(g.n, chunks, [&](int, index_t b, index_t e) {
    const auto [grp, rows, rpb, slab, col, tmp] = plan_chunk<T>(g, e - b, g.cy * R / chunks);
    for (index_t n0 = b; n0 < e; n0 += grp) {
      const index_t gn = std::min(grp, e - n0), ld = gn * P;
      if (gn == 1) { // large output: im2col + GEMM per block of output rows (cache resident)
        const T* src = im2col_source(g, l, x + n0 * XP);
        for (index_t t0 = 0; t0 < rows; t0 += rpb) {
          const index_t t1 = std::min(rows, t0 + rpb), pc = (t1 - t0) * g.ys[2];
          im2col(g, l, src, col, pc, 0, t0, t1);
          gemm<T>(false, false, g.cy, pc, R, T(1), w, R, col, pc, T(0), y + n0 * g.cy * P + t0 * g.ys[2], P);
        }
      } else {
        for (index_t s = 0; s < gn; ++s) im2col(g, x + (n0 + s) * XP, col, ld, s * P);
        gemm<T>(false, false, g.cy, ld, R, T(1), w, R, col, ld, T(0), tmp, ld);
        scatter_samples(tmp, n0, gn, g.cy, P, y);
      }
      if (bias)
        for (index_t s = 0; s < gn; ++s)
          for (index_t c = 0; c < g.cy; ++c) {
            T* yc = y + ((n0 + s) * g.cy + c) * P;
            const T bc = bias[c];
            for (index_t i = 0; i < P; ++i) yc[i] += bc;
          }
    }
    release_scratch<T, col_tag, gather_tag, pad_tag>(); // workspaces live for this call only
  });
}

/// Columns (pixels of a GEMM block) up to which conv_bwd_data computes col^T = dY^T W instead of
/// col = W^T dY: with few columns Eigen packs all of W^T (R x cy) on every call for a short product
/// (the 128 -> 256 layer of the 96 x 96 DCGAN discriminator, 6 x 6 pixels: 2 MiB of W per sample).
inline constexpr index_t transposed_max_columns = 96;

/// dx = K_w^T dy: Y (n, cy, ys) -> X (n, cx, xs).
template <class T>
void conv_bwd_data(const conv_geom& g, const T* dy, const T* w, T* dx) {
  const index_t P = g.y_pixels(), R = g.col_rows(), XP = g.cx * g.x_pixels();
  const padded_layout l = make_padded_layout(g);
  if (is_dense(g)) { // dX (n x R) = dY (n x cy) W
    gemm<T>(false, false, g.n, R, g.cy, T(1), dy, g.cy, w, R, T(0), dx, R);
    return;
  }
  if (direct_conv_pays<T>(g, conv_pass::data)) return direct_conv_bwd_data(g, dy, w, dx);
  const int chunks = batch_chunks(g.n);
  parallel_for_chunks(g.n, chunks, [&](int, index_t b, index_t e) {
    const auto [grp, rows, rpb, slab, col, tmp] = plan_chunk<T>(g, e - b, g.cy * R / chunks);
    for (index_t n0 = b; n0 < e; n0 += grp) {
      const index_t gn = std::min(grp, e - n0), ld = gn * P;
      if (ld <= transposed_max_columns) { // col^T (ld x R) = dY^T W, then col = (col^T)^T
        T* dyt = scratch_buffer<T, gather_tag>(static_cast<std::size_t>(ld * g.cy));
        for (index_t s = 0; s < gn; ++s)
          transpose(dy + (n0 + s) * g.cy * P, g.cy, P, P, dyt + s * P * g.cy, g.cy);
        T* colt = scratch_buffer<T, colt_tag>(static_cast<std::size_t>(ld * R));
        gemm<T>(false, false, ld, R, g.cy, T(1), dyt, g.cy, w, R, T(0), colt, R);
        transpose(colt, ld, R, R, col, ld);
        for (index_t s = 0; s < gn; ++s) col2im(g, col, ld, s * P, dx + (n0 + s) * XP);
        continue;
      }
      if (gn == 1) { // GEMM + col2im per block of output rows
        T* acc = col2im_begin(g, l, dx + n0 * XP);
        for (index_t t0 = 0; t0 < rows; t0 += rpb) {
          const index_t t1 = std::min(rows, t0 + rpb), pc = (t1 - t0) * g.ys[2];
          gemm<T>(true, false, R, pc, g.cy, T(1), w, R, dy + n0 * g.cy * P + t0 * g.ys[2], P, T(0), col, pc);
          col2im_add(g, l, acc, col, pc, 0, t0, t1);
        }
        col2im_end(g, l, acc, dx + n0 * XP);
        continue;
      }
      gather_samples(dy, n0, gn, g.cy, P, tmp);
      gemm<T>(true, false, R, ld, g.cy, T(1), w, R, tmp, ld, T(0), col, ld);
      for (index_t s = 0; s < gn; ++s) col2im(g, col, ld, s * P, dx + (n0 + s) * XP);
    }
    release_scratch<T, col_tag, colt_tag, gather_tag, pad_tag>(); // workspaces live for this call only
  });
}

/// dw = sum_n dy_n col(x_n)^T: (cy, cx * k).
template <class T>
void conv_bwd_weight(const conv_geom& g, const T* x, const T* dy, T* dw) {
  const index_t P = g.y_pixels(), R = g.col_rows(), XP = g.cx * g.x_pixels();
  const padded_layout l = make_padded_layout(g);
  if (is_dense(g)) { // dW (cy x R) = dY^T (cy x n) X (n x R)
    gemm<T>(true, false, g.cy, R, g.n, T(1), dy, g.cy, x, R, T(0), dw, R);
    return;
  }
  if (direct_conv_pays<T>(g, conv_pass::weight)) return direct_conv_bwd_weight(g, x, dy, dw);
  const int chunks = batch_chunks(g.n);
  // per-chunk partial sums, for this call only (the chunks release their own scratch)
  std::vector<T> partial_sums(chunks > 1 ? static_cast<std::size_t>((chunks - 1) * g.cy * R) : 0);
  T* partial = chunks > 1 ? partial_sums.data() : nullptr;
  parallel_for_chunks(g.n, chunks, [&](int k, index_t b, index_t e) {
    T* DW = k == 0 ? dw : partial + (k - 1) * g.cy * R;
    const auto [grp, rows, rpb, slab, col, tmp] = plan_chunk<T>(g, e - b, 0, true);
    const index_t KV = g.k_volume();
    for (index_t n0 = b; n0 < e; n0 += grp) {
      const index_t gn = std::min(grp, e - n0), ld = gn * P;
      if (gn == 1) { // per slab of input channels (all of them: one), im2col + GEMM per block of
                     // output rows, accumulating into DW's columns of the slab
        const T* src = im2col_source(g, l, x + n0 * XP);
        for (index_t c0 = 0; c0 < g.cx; c0 += slab) {
          const index_t c1 = std::min(g.cx, c0 + slab);
          for (index_t t0 = 0; t0 < rows; t0 += rpb) {
            const index_t t1 = std::min(rows, t0 + rpb), pc = (t1 - t0) * g.ys[2];
            im2col(g, l, src, col, pc, 0, t0, t1, c0, c1);
            gemm<T>(false, true, g.cy, (c1 - c0) * KV, pc, T(1), dy + n0 * g.cy * P + t0 * g.ys[2], P, col,
                    pc, n0 == b && t0 == 0 ? T(0) : T(1), DW + c0 * KV, R);
          }
        }
        continue;
      }
      for (index_t s = 0; s < gn; ++s) im2col(g, x + (n0 + s) * XP, col, ld, s * P);
      gather_samples(dy, n0, gn, g.cy, P, tmp);
      gemm<T>(false, true, g.cy, R, ld, T(1), tmp, ld, col, ld, n0 == b ? T(0) : T(1), DW, R);
    }
    release_scratch<T, col_tag, gather_tag, pad_tag>(); // workspaces live for this call only
  });
  mat_map<T> DW(dw, g.cy, R);
  for (int k = 1; k < chunks; ++k) DW += cmat_map<T>(partial + (k - 1) * g.cy * R, g.cy, R);
}

} // namespace detail

// ------------------------------------------------------------------------------------------
// Convolution: x (batch, in_channels, input...), w (out_channels, in_channels, kernel...),
// y (batch, out_channels, conv_output_size(shape, opts)...).

/// Output spatial size of conv_forward.
template <std::size_t D>
std::array<index_t, D> conv_output_size(const conv_shape<D>& shape, const conv_options<D>& opts = {}) {
  const auto g = detail::make_conv_geom(shape, opts);
  std::array<index_t, D> r{};
  for (std::size_t i = 0; i < D; ++i) r[i] = g.ys[3 - D + i];
  return r;
}

/// db[c] = sum over batch and pixels of dy[n, c, pixel]; dy is (batch, channels, pixels).
/// The gradient of a per-channel bias for conv, conv_transpose and any NC... layout.
template <class T>
void bias_backward(index_t batch, index_t channels, index_t pixels, const T* dy, T* db) {
  for (index_t c = 0; c < channels; ++c) db[c] = T(0);
  for (index_t n = 0; n < batch; ++n) {
    const detail::cmat_map<T> DY(dy + n * channels * pixels, channels, pixels);
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(db, channels) += DY.rowwise().sum();
  }
}

namespace detail {
/// dx = K_w^T dy, then + bias[c] on channel c of dx when a bias is given: the data gradient of a
/// convolution, and the forward of a transposed convolution with bias.
template <class T>
void conv_bwd_data_bias(const conv_geom& g, const T* dy, const T* w, const T* bias, T* dx) {
  conv_bwd_data(g, dy, w, dx);
  if (bias) bias_add(g.n, g.cx, g.x_pixels(), bias, dx);
}
} // namespace detail

/// y = conv(x, w) + bias (bias: out_channels values, or nullptr for none).
template <class T, std::size_t D>
void conv_forward(const conv_shape<D>& shape, const conv_options<D>& opts, const T* x, const T* w,
                  const T* bias, T* y) {
  detail::conv_fwd(detail::make_conv_geom(shape, opts), x, w, bias, y);
}

/// dx = dL/dx given dy = dL/dy (shape of y); dx has the shape of x. With a bias (one value per
/// channel of x), dx + bias: the transposed convolution of dy with bias.
template <class T, std::size_t D>
void conv_backward_data(const conv_shape<D>& shape, const conv_options<D>& opts, const T* dy, const T* w,
                        T* dx, const T* bias = nullptr) {
  detail::conv_bwd_data_bias(detail::make_conv_geom(shape, opts), dy, w, bias, dx);
}

/// dw = dL/dw given the forward input x and dy; dw has the shape of w.
template <class T, std::size_t D>
void conv_backward_weight(const conv_shape<D>& shape, const conv_options<D>& opts, const T* x, const T* dy,
                          T* dw) {
  detail::conv_bwd_weight(detail::make_conv_geom(shape, opts), x, dy, dw);
}

// ------------------------------------------------------------------------------------------
// Transposed convolution: x (batch, in_channels, input...), w (in_channels, out_channels,
// kernel...), y (batch, out_channels, conv_transpose_output_size(shape, opts)...).

/// Output spatial size of conv_transpose_forward.
template <std::size_t D>
std::array<index_t, D> conv_transpose_output_size(const conv_shape<D>& shape,
                                                  const conv_transpose_options<D>& opts = {}) {
  const auto g = detail::make_conv_transpose_geom(shape, opts);
  std::array<index_t, D> r{};
  for (std::size_t i = 0; i < D; ++i) r[i] = g.xs[3 - D + i];
  return r;
}

/// y = conv_transpose(x, w) + bias (bias: out_channels values, or nullptr).
template <class T, std::size_t D>
void conv_transpose_forward(const conv_shape<D>& shape, const conv_transpose_options<D>& opts, const T* x,
                            const T* w, const T* bias, T* y) {
  detail::conv_bwd_data_bias(detail::make_conv_transpose_geom(shape, opts), x, w, bias, y);
}

/// dx = dL/dx of the transposed convolution (a plain convolution of dy).
template <class T, std::size_t D>
void conv_transpose_backward_data(const conv_shape<D>& shape, const conv_transpose_options<D>& opts,
                                  const T* dy, const T* w, T* dx) {
  detail::conv_fwd(detail::make_conv_transpose_geom(shape, opts), dy, w, static_cast<const T*>(nullptr), dx);
}

/// dw = dL/dw of the transposed convolution; dw is (in_channels, out_channels, kernel...).
template <class T, std::size_t D>
void conv_transpose_backward_weight(const conv_shape<D>& shape, const conv_transpose_options<D>& opts,
                                    const T* x, const T* dy, T* dw) {
  detail::conv_bwd_weight(detail::make_conv_transpose_geom(shape, opts), dy, x, dw);
}

} // namespace hamgen::backend::cpu
