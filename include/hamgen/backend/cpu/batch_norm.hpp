// hamgen/backend/cpu/batch_norm.hpp
//
// Represents: raw CPU kernels of batch normalisation (Ioffe & Szegedy 2015) with PyTorch's
//             conventions, no autodiff. x and y are row-major (batch, channels, spatial) where
//             spatial = 1 for BatchNorm1d on (N, C) and the product of the trailing dims for
//             (N, C, L), (N, C, H, W), (N, C, D, H, W). Per channel c, over the M = batch*spatial
//             values of that channel:
//               train:  mean = sum x / M,  var = sum (x - mean)^2 / M  (biased, used to normalise)
//                       y = gamma (x - mean) / sqrt(var + eps) + beta
//                       running_mean <- (1 - momentum) running_mean + momentum mean
//                       running_var  <- (1 - momentum) running_var  + momentum var M/(M-1) (unbiased)
//               eval:   y = gamma (x - running_mean) / sqrt(running_var + eps) + beta
//             gamma/beta may be nullptr (affine = false: gamma = 1, beta = 0); running_mean/var may
//             be nullptr in train mode (track_running_stats = false). momentum = None (cumulative
//             average) is not supported: the caller can pass momentum = 1/(batches seen + 1).
// Requires:   T float or double; buffers of the documented sizes; outputs do not alias inputs,
//             except that the train backward's dx may be dy itself (each channel's sums are
//             formed before its dx is written, so the autodiff layer computes dx in the output
//             gradient's buffer). Train mode needs M >= 2.
// Ensures:    sums are accumulated in double for both T (a spatial channel's over eight
//             interleaved partial sums, combined in a fixed order); train forward writes
//             save_mean[c] and save_invstd[c] = 1/sqrt(var + eps), which the train backward consumes:
//               xhat = (x - mean) invstd,  dbeta = sum dy,  dgamma = sum dy xhat,
//               dx = gamma invstd (dy - dbeta/M - xhat dgamma/M).
//             The eval backward is the elementwise dx = dy gamma / sqrt(running_var + eps).
//             Double backprop: batch_norm_backward_train_backward differentiates the train
//             backward once more (w.r.t. x, gamma and dy), so a batch-norm node can be
//             differentiated twice (R1 penalty through a discriminator with batch norm); the eval
//             backward is linear/elementwise and left to the autodiff layer. Channels are split
//             over num_threads() threads when large enough.
#pragma once

#include <hamgen/backend/cpu/parallel.hpp>
#include <hamgen/core/error.hpp>

#include <cmath>
#include <vector>

namespace hamgen::backend::cpu {

/// x, y: (batch, channels, spatial) row-major; spatial = 1 for (N, C) inputs.
struct batch_norm_shape {
  index_t batch = 1;
  index_t channels = 1;
  index_t spatial = 1;
};

struct batch_norm_options {
  double eps = 1e-5;
  double momentum = 0.1;
};

namespace detail {

inline void check_bn(const char* who, const batch_norm_shape& s, const batch_norm_options& o, bool train) {
  HAMGEN_CHECK_SHAPE(s.batch >= 1 && s.channels >= 1 && s.spatial >= 1, who,
                     ": batch, channels and spatial must be >= 1, got ", s.batch, ", ", s.channels, ", ",
                     s.spatial);
  HAMGEN_CHECK_SHAPE(!train || s.batch * s.spatial >= 2, who,
                     ": train mode needs more than one value per channel, got batch ", s.batch, " x spatial ",
                     s.spatial);
  HAMGEN_CHECK(o.eps > 0 && o.momentum >= 0 && o.momentum <= 1, who, ": eps ", o.eps,
               " must be > 0 and momentum ", o.momentum, " in [0, 1]");
}

/// Runs f(c0, c1) over channel ranges, in parallel when the tensor is big enough to pay.
template <class F>
void for_channels(const batch_norm_shape& s, F&& f) {
  const index_t total = s.batch * s.channels * s.spatial;
  if (total < (index_t{1} << 15)) {
    f(index_t{0}, s.channels);
    return;
  }
  parallel_for(s.channels, f, s.spatial == 1 ? 64 : 1);
}

/// A sum in double over eight interleaved partial sums (value i goes to lane i mod 8 of its run),
/// combined pairwise in a fixed order: one running sum would wait on every add's latency (a
/// channel of the HALO encoder's first layer has 32 Ki values), eight independent ones let the
/// adds (and the float -> double conversions) run as vectors. Deterministic for a given shape.
struct lanes {
  double v[8] = {};
  template <class F>
  void add(index_t n, F&& f) {
    index_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) v[k] += f(i + k);
    for (int k = 0; i < n; ++i, ++k) v[k] += f(i);
  }
  double total() const { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }
};

/// mean and biased variance per channel in [c0, c1) (two passes, double accumulators).
template <class T>
void bn_stats(const batch_norm_shape& s, const T* x, index_t c0, index_t c1, double* mean, double* var) {
  const index_t C = s.channels, P = s.spatial, nc = c1 - c0;
  const double inv_m = 1.0 / static_cast<double>(s.batch * P);
  for (index_t j = 0; j < nc; ++j) mean[j] = var[j] = 0.0;
  if (P == 1) {
    for (index_t n = 0; n < s.batch; ++n) {
      const T* xr = x + n * C + c0;
      for (index_t j = 0; j < nc; ++j) mean[j] += static_cast<double>(xr[j]);
    }
    for (index_t j = 0; j < nc; ++j) mean[j] *= inv_m;
    for (index_t n = 0; n < s.batch; ++n) {
      const T* xr = x + n * C + c0;
      for (index_t j = 0; j < nc; ++j) {
        const double dv = static_cast<double>(xr[j]) - mean[j];
        var[j] += dv * dv;
      }
    }
  } else {
    for (index_t j = 0; j < nc; ++j) {
      lanes acc;
      for (index_t n = 0; n < s.batch; ++n) {
        const T* xc = x + (n * C + c0 + j) * P;
        acc.add(P, [xc](index_t i) { return static_cast<double>(xc[i]); });
      }
      mean[j] = acc.total() * inv_m;
      const double m = mean[j];
      lanes v;
      for (index_t n = 0; n < s.batch; ++n) {
        const T* xc = x + (n * C + c0 + j) * P;
        v.add(P, [xc, m](index_t i) {
          const double dv = static_cast<double>(xc[i]) - m;
          return dv * dv;
        });
      }
      var[j] = v.total();
    }
  }
  for (index_t j = 0; j < nc; ++j) var[j] *= inv_m;
}

/// y = x * scale[c] + shift[c] for channels [c0, c1).
template <class T>
void bn_affine(const batch_norm_shape& s, const T* x, const T* scale, const T* shift, index_t c0, index_t c1,
               T* y) {
  const index_t C = s.channels, P = s.spatial;
  if (P == 1) {
    for (index_t n = 0; n < s.batch; ++n) {
      const T* xr = x + n * C;
      T* yr = y + n * C;
      for (index_t c = c0; c < c1; ++c) yr[c] = xr[c] * scale[c - c0] + shift[c - c0];
    }
  } else {
    for (index_t c = c0; c < c1; ++c)
      for (index_t n = 0; n < s.batch; ++n) {
        const T* xc = x + (n * C + c) * P;
        T* yc = y + (n * C + c) * P;
        const T a = scale[c - c0], b = shift[c - c0];
        for (index_t i = 0; i < P; ++i) yc[i] = xc[i] * a + b;
      }
  }
}

/// sum dy and sum dy * (x - mean) per channel in [c0, c1) (double accumulators).
template <class T>
void bn_grad_sums(const batch_norm_shape& s, const T* x, const T* dy, const T* mean, index_t c0, index_t c1,
                  double* sum_dy, double* sum_dy_xc) {
  const index_t C = s.channels, P = s.spatial, nc = c1 - c0;
  for (index_t j = 0; j < nc; ++j) sum_dy[j] = sum_dy_xc[j] = 0.0;
  if (P == 1) {
    for (index_t n = 0; n < s.batch; ++n) {
      const T* xr = x + n * C + c0;
      const T* dr = dy + n * C + c0;
      for (index_t j = 0; j < nc; ++j) {
        sum_dy[j] += static_cast<double>(dr[j]);
        sum_dy_xc[j] +=
            static_cast<double>(dr[j]) * (static_cast<double>(xr[j]) - static_cast<double>(mean[c0 + j]));
      }
    }
  } else {
    for (index_t j = 0; j < nc; ++j) {
      const double m = static_cast<double>(mean[c0 + j]);
      lanes a, b;
      for (index_t n = 0; n < s.batch; ++n) {
        const T* xc = x + (n * C + c0 + j) * P;
        const T* dc = dy + (n * C + c0 + j) * P;
        a.add(P, [dc](index_t i) { return static_cast<double>(dc[i]); });
        b.add(P, [xc, dc, m](index_t i) {
          return static_cast<double>(dc[i]) * (static_cast<double>(xc[i]) - m);
        });
      }
      sum_dy[j] = a.total();
      sum_dy_xc[j] = b.total();
    }
  }
}

} // namespace detail

/// Train-mode forward. Writes y (shape of x), save_mean[c], save_invstd[c] (channels values each,
/// needed by batch_norm_backward_train) and, when running_mean/running_var are not nullptr,
/// updates them in place with momentum (unbiased variance).
template <class T>
void batch_norm_forward_train(const batch_norm_shape& s, const batch_norm_options& o, const T* x,
                              const T* gamma, const T* beta, T* y, T* save_mean, T* save_invstd,
                              T* running_mean, T* running_var) {
  detail::check_bn("cpu::batch_norm_forward_train", s, o, true);
  const double m_count = static_cast<double>(s.batch * s.spatial);
  detail::for_channels(s, [&](index_t c0, index_t c1) {
    const index_t nc = c1 - c0;
    std::vector<double> mean(static_cast<std::size_t>(nc)), var(static_cast<std::size_t>(nc));
    std::vector<T> scale(static_cast<std::size_t>(nc)), shift(static_cast<std::size_t>(nc));
    detail::bn_stats(s, x, c0, c1, mean.data(), var.data());
    for (index_t j = 0; j < nc; ++j) {
      const index_t c = c0 + j;
      const double invstd = 1.0 / std::sqrt(var[j] + o.eps);
      const double g = gamma ? static_cast<double>(gamma[c]) : 1.0;
      const double b = beta ? static_cast<double>(beta[c]) : 0.0;
      save_mean[c] = static_cast<T>(mean[j]);
      save_invstd[c] = static_cast<T>(invstd);
      scale[j] = static_cast<T>(g * invstd);
      shift[j] = static_cast<T>(b - mean[j] * g * invstd);
      if (running_mean)
        running_mean[c] =
            static_cast<T>((1.0 - o.momentum) * static_cast<double>(running_mean[c]) + o.momentum * mean[j]);
      if (running_var)
        running_var[c] = static_cast<T>((1.0 - o.momentum) * static_cast<double>(running_var[c]) +
                                        o.momentum * var[j] * m_count / (m_count - 1.0));
    }
    detail::bn_affine(s, x, scale.data(), shift.data(), c0, c1, y);
  });
}

/// Eval-mode forward with the running statistics.
template <class T>
void batch_norm_forward_eval(const batch_norm_shape& s, const batch_norm_options& o, const T* x,
                             const T* gamma, const T* beta, const T* running_mean, const T* running_var,
                             T* y) {
  detail::check_bn("cpu::batch_norm_forward_eval", s, o, false);
  detail::for_channels(s, [&](index_t c0, index_t c1) {
    const index_t nc = c1 - c0;
    std::vector<T> scale(static_cast<std::size_t>(nc)), shift(static_cast<std::size_t>(nc));
    for (index_t j = 0; j < nc; ++j) {
      const index_t c = c0 + j;
      const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + o.eps);
      const double g = gamma ? static_cast<double>(gamma[c]) : 1.0;
      const double b = beta ? static_cast<double>(beta[c]) : 0.0;
      scale[j] = static_cast<T>(g * invstd);
      shift[j] = static_cast<T>(b - static_cast<double>(running_mean[c]) * g * invstd);
    }
    detail::bn_affine(s, x, scale.data(), shift.data(), c0, c1, y);
  });
}

/// Train-mode backward: dx (shape of x, required), dgamma and dbeta (channels values each, may be
/// nullptr) from x, gamma (nullptr = 1), the saved mean/invstd of the forward and dy.
template <class T>
void batch_norm_backward_train(const batch_norm_shape& s, const T* x, const T* gamma, const T* save_mean,
                               const T* save_invstd, const T* dy, T* dx, T* dgamma, T* dbeta) {
  detail::check_bn("cpu::batch_norm_backward_train", s, batch_norm_options{}, true);
  const double inv_m = 1.0 / static_cast<double>(s.batch * s.spatial);
  detail::for_channels(s, [&](index_t c0, index_t c1) {
    const index_t nc = c1 - c0;
    std::vector<double> sdy(static_cast<std::size_t>(nc)), sdyx(static_cast<std::size_t>(nc));
    std::vector<T> a(static_cast<std::size_t>(nc)), bcoef(static_cast<std::size_t>(nc)),
        ccoef(static_cast<std::size_t>(nc));
    detail::bn_grad_sums(s, x, dy, save_mean, c0, c1, sdy.data(), sdyx.data());
    for (index_t j = 0; j < nc; ++j) {
      const index_t c = c0 + j;
      const double invstd = static_cast<double>(save_invstd[c]);
      const double g = gamma ? static_cast<double>(gamma[c]) : 1.0;
      const double dg = sdyx[j] * invstd; // sum dy * xhat
      if (dgamma) dgamma[c] = static_cast<T>(dg);
      if (dbeta) dbeta[c] = static_cast<T>(sdy[j]);
      // dx = g invstd dy - g invstd (sdy/M) - g invstd^2 (x - mean) dg / M
      //    = A dy + B x + C
      const double A = g * invstd;
      const double B = -g * invstd * invstd * dg * inv_m;
      const double Cc = -A * sdy[j] * inv_m - B * static_cast<double>(save_mean[c]);
      a[j] = static_cast<T>(A);
      bcoef[j] = static_cast<T>(B);
      ccoef[j] = static_cast<T>(Cc);
    }
    const index_t C = s.channels, P = s.spatial;
    if (P == 1) {
      for (index_t n = 0; n < s.batch; ++n)
        for (index_t j = 0; j < nc; ++j) {
          const index_t i = n * C + c0 + j;
          dx[i] = a[j] * dy[i] + bcoef[j] * x[i] + ccoef[j];
        }
    } else {
      for (index_t j = 0; j < nc; ++j)
        for (index_t n = 0; n < s.batch; ++n) {
          const index_t off = (n * C + c0 + j) * P;
          const T A = a[j], B = bcoef[j], Cc = ccoef[j];
          for (index_t i = 0; i < P; ++i) dx[off + i] = A * dy[off + i] + B * x[off + i] + Cc;
        }
    }
  });
}

/// Double backprop of the train-mode batch norm: the gradient of
///   L = <gdx, dx> + <gdgamma, dgamma> + <gdbeta, dbeta>,  (dx, dgamma, dbeta) = batch_norm_backward_train(x,
///   gamma, dy)
/// (with the batch statistics recomputed from x) with respect to x, gamma and dy. gdx (shape of
/// x), gdgamma, gdbeta (channels) may be nullptr (zero); outputs gx (shape of x), ggamma
/// (channels), gdy (shape of x) may be nullptr. With m = mean over the channel's M values,
/// s = invstd, xhat = (x - mean) s, a = m(dy), b = m(dy xhat), c = m(gdx xhat):
///   gdy    = gamma s (gdx - m(gdx) - xhat c) + gdgamma xhat + gdbeta
///   ggamma = s sum gdx (dy - a - xhat b)
///   gx     = s (F - m(F) - xhat m(F xhat)) - s^2 xhat Fs / M,  with
///            F = -gamma s (c dy + b gdx) + gdgamma dy,  Fs = gamma sum gdx (dy - a) - gamma M b c.
template <class T>
void batch_norm_backward_train_backward(const batch_norm_shape& s, const T* x, const T* gamma,
                                        const T* save_mean, const T* save_invstd, const T* dy, const T* gdx,
                                        const T* gdgamma, const T* gdbeta, T* gx, T* ggamma, T* gdy) {
  detail::check_bn("cpu::batch_norm_backward_train_backward", s, batch_norm_options{}, true);
  const index_t C = s.channels, P = s.spatial;
  const double M = static_cast<double>(s.batch * P);
  detail::for_channels(s, [&](index_t c0, index_t c1) {
    for (index_t c = c0; c < c1; ++c) {
      const double mu = static_cast<double>(save_mean[c]), is = static_cast<double>(save_invstd[c]);
      const double g = gamma ? static_cast<double>(gamma[c]) : 1.0;
      const double gg = gdgamma ? static_cast<double>(gdgamma[c]) : 0.0;
      const double gb = gdbeta ? static_cast<double>(gdbeta[c]) : 0.0;
      auto at = [&](index_t n, index_t i) { return (n * C + c) * P + i; };
      // per-channel sums
      double sdy = 0, sdyx = 0, sg = 0, sgx = 0, sgdy = 0;
      for (index_t n = 0; n < s.batch; ++n)
        for (index_t i = 0; i < P; ++i) {
          const index_t k = at(n, i);
          const double xh = (static_cast<double>(x[k]) - mu) * is, d = static_cast<double>(dy[k]);
          const double q = gdx ? static_cast<double>(gdx[k]) : 0.0;
          sdy += d;
          sdyx += d * xh;
          sg += q;
          sgx += q * xh;
          sgdy += q * d;
        }
      const double a = sdy / M, b = sdyx / M, cc = sgx / M, mg = sg / M;
      const double Psum = sgdy - a * sg;
      if (ggamma) ggamma[c] = static_cast<T>(is * (Psum - b * sgx));
      const double mF = -g * is * (cc * a + b * mg) + gg * a;
      const double mFx = -2.0 * g * is * b * cc + gg * b;
      const double Fs = g * Psum - g * M * b * cc;
      for (index_t n = 0; n < s.batch; ++n)
        for (index_t i = 0; i < P; ++i) {
          const index_t k = at(n, i);
          const double xh = (static_cast<double>(x[k]) - mu) * is, d = static_cast<double>(dy[k]);
          const double q = gdx ? static_cast<double>(gdx[k]) : 0.0;
          if (gdy) gdy[k] = static_cast<T>(g * is * (q - mg - xh * cc) + gg * xh + gb);
          if (gx) {
            const double F = -g * is * (cc * d + b * q) + gg * d;
            gx[k] = static_cast<T>(is * (F - mF - xh * mFx) - is * is * xh * Fs / M);
          }
        }
    }
  });
}

/// Eval-mode backward (running statistics are constants): dx = dy gamma / sqrt(running_var + eps),
/// dgamma = sum dy xhat, dbeta = sum dy (dx, dgamma, dbeta may each be nullptr).
template <class T>
void batch_norm_backward_eval(const batch_norm_shape& s, const batch_norm_options& o, const T* x,
                              const T* gamma, const T* running_mean, const T* running_var, const T* dy, T* dx,
                              T* dgamma, T* dbeta) {
  detail::check_bn("cpu::batch_norm_backward_eval", s, o, false);
  detail::for_channels(s, [&](index_t c0, index_t c1) {
    const index_t nc = c1 - c0;
    std::vector<T> scale(static_cast<std::size_t>(nc)), zero(static_cast<std::size_t>(nc), T(0));
    for (index_t j = 0; j < nc; ++j) {
      const index_t c = c0 + j;
      const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + o.eps);
      scale[j] = static_cast<T>((gamma ? static_cast<double>(gamma[c]) : 1.0) * invstd);
    }
    if (dx) detail::bn_affine(s, dy, scale.data(), zero.data(), c0, c1, dx);
    if (dgamma || dbeta) {
      std::vector<double> sdy(static_cast<std::size_t>(nc)), sdyx(static_cast<std::size_t>(nc));
      detail::bn_grad_sums(s, x, dy, running_mean, c0, c1, sdy.data(), sdyx.data());
      for (index_t j = 0; j < nc; ++j) {
        const index_t c = c0 + j;
        const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + o.eps);
        if (dgamma) dgamma[c] = static_cast<T>(sdyx[j] * invstd);
        if (dbeta) dbeta[c] = static_cast<T>(sdy[j]);
      }
    }
  });
}

} // namespace hamgen::backend::cpu
