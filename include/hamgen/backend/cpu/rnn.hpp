// hamgen/backend/cpu/rnn.hpp
//
// Represents: raw CPU kernels of one LSTM or GRU layer in one direction over a whole sequence,
//             forward and backward through time, no autodiff. PyTorch's equations and gate order
//             (torch.nn.LSTM / torch.nn.GRU documentation; Hochreiter & Schmidhuber 1997, Cho et al.
//             2014):
//               LSTM, gates (i, f, g, o) stacked in w_ih (4H x I), w_hh (4H x H), b_ih, b_hh (4H):
//                 [a_i a_f a_g a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
//                 i = s(a_i), f = s(a_f), g = tanh(a_g), o = s(a_o)   (s = logistic sigmoid)
//                 c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)
//               GRU, gates (r, z, n) stacked in w_ih (3H x I), w_hh (3H x H), b_ih, b_hh (3H):
//                 r = s(W_ir x + b_ir + W_hr h + b_hr),  z = s(W_iz x + b_iz + W_hz h + b_hz)
//                 n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h_t = (1 - z) n + z h_{t-1}
//             Layouts (row-major): x is (seq, batch, input), or (batch, seq, input) when
//             options.batch_first; y has the same row order with row stride options.output_stride
//             (0 means hidden), so a bidirectional wrapper writes both directions into one
//             (.., 2H) buffer: forward direction at y, reverse direction (options.reverse = true,
//             time runs seq-1 .. 0) at y + H, output_stride = 2H. h0, c0, h_n, c_n, dh0, dc0,
//             dh_n, dc_n are (batch, hidden). Biases may be nullptr (bias = false); h0/c0 nullptr
//             means zeros; dy, dh_n, dc_n nullptr mean zero incoming gradient; dx, dh0, dc0 and
//             each weight-grad pointer may be nullptr when not wanted; y may be nullptr when
//             only the final state is wanted.
//             Multi-layer / bidirectional composition (done by the layer wrapper): layer l > 0
//             takes the previous layer's (.., D*H) output as its input (input = D*H); the input
//             gradient of a bidirectional layer is the SUM of the two directions' dx (each call
//             overwrites dx, so the wrapper adds them); per layer and direction keep a separate
//             `saved` buffer.
// Requires:   T float or double; buffers of the documented sizes; `saved` holds
//             lstm_saved_size(shape) or gru_saved_size(shape) elements and is written by the
//             forward, read (unchanged) by the backward.
// Ensures:    every output is OVERWRITTEN (weight gradients too: they are the gradients of this
//             call, not accumulated). The input projections of all time steps are one GEMM
//             (seq*batch x gates*H x input), the recurrent product one GEMM per step; the
//             backward computes dW_ih, dW_hh and dx with one GEMM each after the time loop.
//             Per-step GRU use (GRUCell, as in the MoCoGAN baseline) is seq = 1 with h0 given.
#pragma once

#include <hamgen/backend/cpu/gemm.hpp>
#include <hamgen/backend/cpu/math.hpp>
#include <hamgen/backend/cpu/parallel.hpp>
#include <hamgen/core/error.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hamgen::backend::cpu {

struct rnn_shape {
  index_t seq = 1;
  index_t batch = 1;
  index_t input = 1;
  index_t hidden = 1;
};

struct rnn_options {
  bool batch_first = false;
  bool reverse = false;
  index_t output_stride = 0; // row stride of y and dy; 0 = hidden
};

/// Parameters of one layer and direction (gates stacked along rows, PyTorch order).
template <class T>
struct rnn_weights {
  const T* w_ih = nullptr;
  const T* w_hh = nullptr;
  const T* b_ih = nullptr;
  const T* b_hh = nullptr;
};

/// Gradient outputs for rnn_weights (any may be nullptr).
template <class T>
struct rnn_weight_grads {
  T* w_ih = nullptr;
  T* w_hh = nullptr;
  T* b_ih = nullptr;
  T* b_hh = nullptr;
};

/// Elements of the `saved` buffer of lstm_forward: seq * batch * 6 * hidden
/// (activated gates i, f, g, o, then c_t, then h_t, time-major).
inline index_t lstm_saved_size(const rnn_shape& s) { return s.seq * s.batch * 6 * s.hidden; }
/// Elements of the `saved` buffer of gru_forward: seq * batch * 5 * hidden (r, z, n, W_hn h + b_hn, h_t).
inline index_t gru_saved_size(const rnn_shape& s) { return s.seq * s.batch * 5 * s.hidden; }

namespace detail {

/// C = op(A) B (C m x n, B k x n row-major) in blocks of at most 256 columns of B and C: the GEMM's
/// packed panels stay small for a wide input (the input projection of a layer with thousands of
/// features), so its workspace does not add to the peak memory of the step.
template <class T>
void gemm_column_blocks(bool trans_a, index_t m, index_t n, index_t k, const T* a, index_t lda, const T* b,
                        index_t ldb, T* c, index_t ldc) {
  constexpr index_t block = 256;
  for (index_t j0 = 0; j0 < n; j0 += block)
    gemm<T>(trans_a, false, m, std::min(block, n - j0), k, T(1), a, lda, b + j0, ldb, T(0), c + j0, ldc);
}
struct rnn_xg_tag {};
struct rnn_dg_tag {};
struct rnn_dgh_tag {};
struct rnn_hprev_tag {};
struct rnn_step_tag {};

inline void check_rnn(const char* who, const rnn_shape& s, const rnn_options& o) {
  HAMGEN_CHECK_SHAPE(s.seq >= 1 && s.batch >= 1 && s.input >= 1 && s.hidden >= 1, who,
                     ": seq, batch, input, hidden must be >= 1, got ", s.seq, ", ", s.batch, ", ", s.input,
                     ", ", s.hidden);
  HAMGEN_CHECK_SHAPE(o.output_stride == 0 || o.output_stride >= s.hidden, who, ": output_stride ",
                     o.output_stride, " is smaller than hidden ", s.hidden);
}

/// Row of x / y / per-row gate buffers holding (time t, sample n).
inline index_t rnn_row(const rnn_shape& s, const rnn_options& o, index_t t, index_t n) {
  return o.batch_first ? n * s.seq + t : t * s.batch + n;
}

template <class T>
using arr = Eigen::Array<T, Eigen::Dynamic, 1>;

/// xg (rows x G) = X W_ih^T + b_ih (+ b_hh when add_bhh), rows in x's memory order.
template <class T>
void input_projection(const rnn_shape& s, index_t gates, const T* x, const rnn_weights<T>& w, bool add_bhh,
                      T* xg) {
  const index_t rows = s.seq * s.batch, G = gates * s.hidden;
  gemm<T>(false, true, rows, G, s.input, T(1), x, s.input, w.w_ih, s.input, T(0), xg, G);
  if (w.b_ih || (add_bhh && w.b_hh))
    for (index_t r = 0; r < rows; ++r) {
      T* row = xg + r * G;
      if (w.b_ih)
        for (index_t j = 0; j < G; ++j) row[j] += w.b_ih[j];
      if (add_bhh && w.b_hh)
        for (index_t j = 0; j < G; ++j) row[j] += w.b_hh[j];
    }
}

/// Column sums of a (rows x cols) matrix into out (cols).
template <class T>
void column_sums(const T* a, index_t rows, index_t cols, T* out) {
  std::fill(out, out + cols, T(0));
  for (index_t r = 0; r < rows; ++r)
    for (index_t j = 0; j < cols; ++j) out[j] += a[r * cols + j];
}

/// Hprev (rows in x order, H) = the hidden state each step started from.
template <class T>
void gather_hprev(const rnn_shape& s, const rnn_options& o, const T* h0, const T* h_saved, index_t h_stride,
                  T* hprev) {
  const index_t H = s.hidden;
  for (index_t step = 0; step < s.seq; ++step) {
    const index_t t = o.reverse ? s.seq - 1 - step : step;
    const index_t tp = o.reverse ? t + 1 : t - 1;
    for (index_t n = 0; n < s.batch; ++n) {
      T* dst = hprev + rnn_row(s, o, t, n) * H;
      if (step == 0) {
        if (h0)
          std::memcpy(dst, h0 + n * H, sizeof(T) * H);
        else
          std::fill(dst, dst + H, T(0));
      } else {
        std::memcpy(dst, h_saved + (tp * s.batch + n) * h_stride, sizeof(T) * H);
      }
    }
  }
}

} // namespace detail

// ------------------------------------------------------------------------------------------ LSTM

/// Forward over the sequence. y: rows of x's order with stride output_stride; h_n, c_n: final
/// state (nullable); saved: lstm_saved_size(shape) elements for lstm_backward (nullable if no
/// backward follows).
template <class T>
void lstm_forward(const rnn_shape& s, const rnn_options& o, const T* x, const T* h0, const T* c0,
                  const rnn_weights<T>& w, T* y, T* h_n, T* c_n, T* saved) {
  detail::check_rnn("cpu::lstm_forward", s, o);
  const index_t H = s.hidden, N = s.batch, G = 4 * H, rows = s.seq * N;
  const index_t ys = o.output_stride ? o.output_stride : H;
  T* xg = scratch_buffer<T, detail::rnn_xg_tag>(static_cast<std::size_t>(rows * G));
  T* own =
      saved ? nullptr : scratch_buffer<T, detail::rnn_dg_tag>(static_cast<std::size_t>(lstm_saved_size(s)));
  T* sv = saved ? saved : own;
  T* gates_all = sv;           // (seq, N, 4H)
  T* c_all = sv + rows * G;    // (seq, N, H)
  T* h_all = c_all + rows * H; // (seq, N, H)
  detail::input_projection(s, 4, x, w, true, xg);
  const T* h_prev = h0;
  const T* c_prev = c0;
  for (index_t step = 0; step < s.seq; ++step) {
    const index_t t = o.reverse ? s.seq - 1 - step : step;
    T* gt = gates_all + t * N * G;
    if (h_prev)
      gemm<T>(false, true, N, G, H, T(1), h_prev, H, w.w_hh, H, T(0), gt, G);
    else
      std::fill(gt, gt + N * G, T(0));
    T* ct = c_all + t * N * H;
    T* ht = h_all + t * N * H;
    for (index_t n = 0; n < N; ++n) {
      T* gr = gt + n * G;
      const T* xr = xg + detail::rnn_row(s, o, t, n) * G;
      // vectorised gate nonlinearities (Eigen's packet exp; tanh_array, whose double tanh is SIMD too)
      Eigen::Map<detail::arr<T>> A(gr, G);
      A += Eigen::Map<const detail::arr<T>>(xr, G);
      A.segment(0, 2 * H) = (T(1) + (-A.segment(0, 2 * H)).exp()).inverse();
      tanh_array(gr + 2 * H, gr + 2 * H, std::size_t(H));
      A.segment(3 * H, H) = (T(1) + (-A.segment(3 * H, H)).exp()).inverse();
      Eigen::Map<detail::arr<T>> c(ct + n * H, H), h(ht + n * H, H);
      if (c_prev)
        c = A.segment(H, H) * Eigen::Map<const detail::arr<T>>(c_prev + n * H, H);
      else
        c.setZero();
      c += A.segment(0, H) * A.segment(2 * H, H);
      tanh_array(ct + n * H, ht + n * H, std::size_t(H));
      h *= A.segment(3 * H, H);
      if (y) std::memcpy(y + detail::rnn_row(s, o, t, n) * ys, ht + n * H, sizeof(T) * H);
    }
    h_prev = ht;
    c_prev = ct;
  }
  if (h_n) std::memcpy(h_n, h_prev, sizeof(T) * N * H);
  if (c_n) std::memcpy(c_n, c_prev, sizeof(T) * N * H);
  release_scratch<T, detail::rnn_xg_tag, detail::rnn_dg_tag, detail::rnn_dgh_tag, detail::rnn_hprev_tag,
                  detail::rnn_step_tag>(); // gate buffers live for this call only
}

/// Backward through time. Needs the forward's x, h0, c0, weights and saved; dy has y's layout.
template <class T>
void lstm_backward(const rnn_shape& s, const rnn_options& o, const T* x, const T* h0, const T* c0,
                   const rnn_weights<T>& w, const T* saved, const T* dy, const T* dh_n, const T* dc_n, T* dx,
                   T* dh0, T* dc0, const rnn_weight_grads<T>& dw) {
  detail::check_rnn("cpu::lstm_backward", s, o);
  HAMGEN_CHECK(saved != nullptr, "cpu::lstm_backward: the saved buffer of lstm_forward is required");
  const index_t H = s.hidden, N = s.batch, G = 4 * H, rows = s.seq * N;
  const index_t ys = o.output_stride ? o.output_stride : H;
  const T* gates_all = saved;
  const T* c_all = saved + rows * G;
  const T* h_all = c_all + rows * H;
  T* dg_all = scratch_buffer<T, detail::rnn_dg_tag>(static_cast<std::size_t>(rows * G)); // x row order
  T* state = scratch_buffer<T, detail::rnn_step_tag>(static_cast<std::size_t>(3 * N * H + H));
  T* tanh_c = state + 3 * N * H; // (H) tanh(c_t) of one row
  T* dh_next = state;            // (N, H)
  T* dc_next = state + N * H;    // (N, H)
  T* dh = state + 2 * N * H;     // (N, H)
  if (dh_n)
    std::memcpy(dh_next, dh_n, sizeof(T) * N * H);
  else
    std::fill(dh_next, dh_next + N * H, T(0));
  if (dc_n)
    std::memcpy(dc_next, dc_n, sizeof(T) * N * H);
  else
    std::fill(dc_next, dc_next + N * H, T(0));
  const index_t dg_row_stride = o.batch_first ? s.seq * G : G; // rows of one time step in dg_all
  for (index_t step = s.seq - 1; step >= 0; --step) {
    const index_t t = o.reverse ? s.seq - 1 - step : step;
    const index_t tp = o.reverse ? t + 1 : t - 1;
    const T* gt = gates_all + t * N * G;
    const T* ct = c_all + t * N * H;
    const T* cprev = step == 0 ? c0 : c_all + tp * N * H;
    for (index_t n = 0; n < N; ++n) {
      const index_t r = detail::rnn_row(s, o, t, n);
      const T* gr = gt + n * G;
      T* dgr = dg_all + r * G;
      const T* dyr = dy ? dy + r * ys : nullptr;
      tanh_array(ct + n * H, tanh_c, std::size_t(H));
      for (index_t j = 0; j < H; ++j) {
        const T i = gr[j], f = gr[H + j], g = gr[2 * H + j], og = gr[3 * H + j];
        const T tc = tanh_c[j];
        const T dhv = dh_next[n * H + j] + (dyr ? dyr[j] : T(0));
        const T dc = dc_next[n * H + j] + dhv * og * (T(1) - tc * tc);
        const T cp = cprev ? cprev[n * H + j] : T(0);
        dgr[j] = dc * g * i * (T(1) - i);
        dgr[H + j] = dc * cp * f * (T(1) - f);
        dgr[2 * H + j] = dc * i * (T(1) - g * g);
        dgr[3 * H + j] = dhv * tc * og * (T(1) - og);
        dc_next[n * H + j] = dc * f;
      }
    }
    // dh_prev = dG_t W_hh  (N x 4H) (4H x H)
    const T* dgt = dg_all + detail::rnn_row(s, o, t, 0) * G;
    gemm<T>(false, false, N, H, G, T(1), dgt, dg_row_stride, w.w_hh, H, T(0), dh, H);
    std::swap(dh, dh_next);
  }
  if (dh0) std::memcpy(dh0, dh_next, sizeof(T) * N * H);
  if (dc0) std::memcpy(dc0, dc_next, sizeof(T) * N * H);
  if (dx) detail::gemm_column_blocks<T>(false, rows, s.input, G, dg_all, G, w.w_ih, s.input, dx, s.input);
  if (dw.w_ih) detail::gemm_column_blocks<T>(true, G, s.input, rows, dg_all, G, x, s.input, dw.w_ih, s.input);
  if (dw.w_hh) {
    T* hprev = scratch_buffer<T, detail::rnn_hprev_tag>(static_cast<std::size_t>(rows * H));
    detail::gather_hprev(s, o, h0, h_all, H, hprev);
    gemm<T>(true, false, G, H, rows, T(1), dg_all, G, hprev, H, T(0), dw.w_hh, H);
  }
  if (dw.b_ih) detail::column_sums(dg_all, rows, G, dw.b_ih);
  if (dw.b_hh) detail::column_sums(dg_all, rows, G, dw.b_hh);
  release_scratch<T, detail::rnn_xg_tag, detail::rnn_dg_tag, detail::rnn_dgh_tag, detail::rnn_hprev_tag,
                  detail::rnn_step_tag>(); // gate buffers live for this call only
}

// ------------------------------------------------------------------------------------------- GRU

/// Forward over the sequence (see the header comment for layouts). saved: gru_saved_size(shape).
template <class T>
void gru_forward(const rnn_shape& s, const rnn_options& o, const T* x, const T* h0, const rnn_weights<T>& w,
                 T* y, T* h_n, T* saved) {
  detail::check_rnn("cpu::gru_forward", s, o);
  const index_t H = s.hidden, N = s.batch, G = 3 * H, rows = s.seq * N;
  const index_t ys = o.output_stride ? o.output_stride : H;
  T* xg = scratch_buffer<T, detail::rnn_xg_tag>(static_cast<std::size_t>(rows * G));
  T* hg = scratch_buffer<T, detail::rnn_step_tag>(static_cast<std::size_t>(N * G));
  T* own =
      saved ? nullptr : scratch_buffer<T, detail::rnn_dg_tag>(static_cast<std::size_t>(gru_saved_size(s)));
  T* sv = saved ? saved : own;
  T* act_all = sv;              // (seq, N, 4H): r, z, n, hn
  T* h_all = sv + rows * 4 * H; // (seq, N, H)
  detail::input_projection(s, 3, x, w, false, xg);
  const T* h_prev = h0;
  for (index_t step = 0; step < s.seq; ++step) {
    const index_t t = o.reverse ? s.seq - 1 - step : step;
    if (h_prev)
      gemm<T>(false, true, N, G, H, T(1), h_prev, H, w.w_hh, H, T(0), hg, G);
    else
      std::fill(hg, hg + N * G, T(0));
    T* at = act_all + t * N * 4 * H;
    T* ht = h_all + t * N * H;
    for (index_t n = 0; n < N; ++n) {
      using map = Eigen::Map<detail::arr<T>>;
      using cmap = Eigen::Map<const detail::arr<T>>;
      const T* hr = hg + n * G;
      const T* xr = xg + detail::rnn_row(s, o, t, n) * G;
      T* ar = at + n * 4 * H;
      map rz(ar, 2 * H), nn(ar + 2 * H, H), hn(ar + 3 * H, H), h(ht + n * H, H);
      // vectorised gates: r, z = s(x + W_h h (+ b_h)); n = tanh(x_n + r (W_hn h + b_hn))
      rz = cmap(xr, 2 * H) + cmap(hr, 2 * H);
      hn = cmap(hr + 2 * H, H);
      if (w.b_hh) {
        rz += cmap(w.b_hh, 2 * H);
        hn += cmap(w.b_hh + 2 * H, H);
      }
      rz = (T(1) + (-rz).exp()).inverse();
      nn = cmap(xr + 2 * H, H) + rz.head(H) * hn;
      tanh_array(ar + 2 * H, ar + 2 * H, std::size_t(H));
      const auto z = rz.tail(H);
      if (h_prev)
        h = (T(1) - z) * nn + z * cmap(h_prev + n * H, H);
      else
        h = (T(1) - z) * nn;
      if (y) std::memcpy(y + detail::rnn_row(s, o, t, n) * ys, ht + n * H, sizeof(T) * H);
    }
    h_prev = ht;
  }
  if (h_n) std::memcpy(h_n, h_prev, sizeof(T) * N * H);
  release_scratch<T, detail::rnn_xg_tag, detail::rnn_dg_tag, detail::rnn_dgh_tag, detail::rnn_hprev_tag,
                  detail::rnn_step_tag>(); // gate buffers live for this call only
}

/// Backward through time of gru_forward.
template <class T>
void gru_backward(const rnn_shape& s, const rnn_options& o, const T* x, const T* h0, const rnn_weights<T>& w,
                  const T* saved, const T* dy, const T* dh_n, T* dx, T* dh0, const rnn_weight_grads<T>& dw) {
  detail::check_rnn("cpu::gru_backward", s, o);
  HAMGEN_CHECK(saved != nullptr, "cpu::gru_backward: the saved buffer of gru_forward is required");
  const index_t H = s.hidden, N = s.batch, G = 3 * H, rows = s.seq * N;
  const index_t ys = o.output_stride ? o.output_stride : H;
  const T* act_all = saved;
  const T* h_all = saved + rows * 4 * H;
  T* dgi_all = scratch_buffer<T, detail::rnn_dg_tag>(static_cast<std::size_t>(rows * G));  // x row order
  T* dgh_all = scratch_buffer<T, detail::rnn_dgh_tag>(static_cast<std::size_t>(rows * G)); // x row order
  T* state = scratch_buffer<T, detail::rnn_step_tag>(static_cast<std::size_t>(2 * N * H));
  T* dh_next = state;
  T* dh = state + N * H;
  if (dh_n)
    std::memcpy(dh_next, dh_n, sizeof(T) * N * H);
  else
    std::fill(dh_next, dh_next + N * H, T(0));
  const index_t row_stride = o.batch_first ? s.seq * G : G;
  for (index_t step = s.seq - 1; step >= 0; --step) {
    const index_t t = o.reverse ? s.seq - 1 - step : step;
    const index_t tp = o.reverse ? t + 1 : t - 1;
    const T* at = act_all + t * N * 4 * H;
    const T* hprev = step == 0 ? h0 : h_all + tp * N * H;
    for (index_t n = 0; n < N; ++n) {
      const index_t r = detail::rnn_row(s, o, t, n);
      const T* ar = at + n * 4 * H;
      T* gi = dgi_all + r * G;
      T* gh = dgh_all + r * G;
      const T* dyr = dy ? dy + r * ys : nullptr;
      for (index_t j = 0; j < H; ++j) {
        const T rg = ar[j], z = ar[H + j], nn = ar[2 * H + j], hn = ar[3 * H + j];
        const T hp = hprev ? hprev[n * H + j] : T(0);
        const T dhv = dh_next[n * H + j] + (dyr ? dyr[j] : T(0));
        const T dan = dhv * (T(1) - z) * (T(1) - nn * nn);
        const T daz = dhv * (hp - nn) * z * (T(1) - z);
        const T dar = dan * hn * rg * (T(1) - rg);
        gi[j] = dar;
        gi[H + j] = daz;
        gi[2 * H + j] = dan;
        gh[j] = dar;
        gh[H + j] = daz;
        gh[2 * H + j] = dan * rg;
        dh_next[n * H + j] = dhv * z; // direct path; the W_hh path is added below
      }
    }
    const T* dght = dgh_all + detail::rnn_row(s, o, t, 0) * G;
    gemm<T>(false, false, N, H, G, T(1), dght, row_stride, w.w_hh, H, T(0), dh, H);
    for (index_t i = 0; i < N * H; ++i) dh[i] += dh_next[i];
    std::swap(dh, dh_next);
  }
  if (dh0) std::memcpy(dh0, dh_next, sizeof(T) * N * H);
  if (dx) detail::gemm_column_blocks<T>(false, rows, s.input, G, dgi_all, G, w.w_ih, s.input, dx, s.input);
  if (dw.w_ih)
    detail::gemm_column_blocks<T>(true, G, s.input, rows, dgi_all, G, x, s.input, dw.w_ih, s.input);
  if (dw.w_hh) {
    T* hprev = scratch_buffer<T, detail::rnn_hprev_tag>(static_cast<std::size_t>(rows * H));
    detail::gather_hprev(s, o, h0, h_all, H, hprev);
    gemm<T>(true, false, G, H, rows, T(1), dgh_all, G, hprev, H, T(0), dw.w_hh, H);
  }
  if (dw.b_ih) detail::column_sums(dgi_all, rows, G, dw.b_ih);
  if (dw.b_hh) detail::column_sums(dgh_all, rows, G, dw.b_hh);
  release_scratch<T, detail::rnn_xg_tag, detail::rnn_dg_tag, detail::rnn_dgh_tag, detail::rnn_hprev_tag,
                  detail::rnn_step_tag>(); // gate buffers live for this call only
}

} // namespace hamgen::backend::cpu
