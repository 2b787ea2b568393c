// hamgen/hnn/fit.hpp
//
// Represents: the Greydanus et al. (2019) training task: fit a model to phase-space samples
//             (x = (q, p), ẋ = (dq/dt, dp/dt)) by the mean squared error of its predicted time
//             derivative, with Adam (optim/adam.hpp), on the fused kernels:
//               fit(H, x, xdot, opts)          HNN: prediction (∂H/∂p, −∂H/∂q), trained through the
//                                              analytic double backprop of hnn/mlp.hpp;
//               fit_baseline(mlp, x, xdot)     baseline: an MLP 2n -> 2n predicting ẋ directly;
//               field(H, x) / field(mlp, x)    the learned vector field on a batch, [N, 2n];
//               rk4_rollout(f, x0, dt, steps)  classical RK4 of a learned field (the integrator
//                                              Greydanus et al. use for both models), [steps+1, N, 2n].
// Requires:   x, xdot [N, 2n] row-major with n = H.dim() (the mlp: in = out = 2n).
// Ensures:    deterministic (full-batch or seeded minibatches); returns the last training loss.
#pragma once

#include <algorithm>
#include <numeric>

#include <hamgen/hnn/hamiltonian.hpp>
#include <hamgen/optim/adam.hpp>

namespace hamgen::hnn {

struct fit_options {
  std::size_t steps = 2000;
  double lr = 1e-3;
  std::size_t batch = 0; ///< 0: full batch
  std::uint64_t seed = 0;
};

namespace detail {
template <class T>
void check_fit(const char* who, std::size_t n2, const tensor<T>& x, const tensor<T>& xdot) {
  HAMGEN_CHECK_SHAPE(x.rank() == 2 && x.dim(1) == n2 && xdot.shape() == x.shape(), who, ": x has shape ",
                     x.shape(), ", xdot ", xdot.shape(), ", expected [N, ", n2, "] both");
}
template <class T>
mat<T> columns(const tensor<T>& x, const std::vector<std::size_t>& idx) {
  const std::size_t d = x.dim(1);
  mat<T> m(Eigen::Index(d), Eigen::Index(idx.size()));
  for (std::size_t j = 0; j < idx.size(); ++j)
    for (std::size_t i = 0; i < d; ++i) m(Eigen::Index(i), Eigen::Index(j)) = x.data()[idx[j] * d + i];
  return m;
}
} // namespace detail

/// The learned field (∂H/∂p, −∂H/∂q) of a fused Hamiltonian (mlp_hamiltonian / separable_hamiltonian).
template <class H>
tensor<typename H::value_type> field(const H& h, const tensor<typename H::value_type>& x) {
  using T = typename H::value_type;
  const std::size_t n = h.dim(), N = x.dim(0);
  HAMGEN_CHECK_SHAPE(x.rank() == 2 && x.dim(1) == 2 * n, "hnn::field: x has shape ", x.shape());
  Eigen::Map<const detail::mat<T>> s(x.data(), Eigen::Index(2 * n), Eigen::Index(N));
  typename H::cache c;
  detail::mat<T> gq, gp;
  gq.resize(Eigen::Index(n), Eigen::Index(N));
  gp.resize(Eigen::Index(n), Eigen::Index(N));
  h.prepare(c, Eigen::Index(N), part::q);
  h.grad_part(c, s, part::q, gq);
  h.prepare(c, Eigen::Index(N), part::p);
  h.grad_part(c, s, part::p, gp);
  tensor<T> out(x.shape());
  Eigen::Map<detail::mat<T>> o(out.data(), Eigen::Index(2 * n), Eigen::Index(N));
  o.topRows(Eigen::Index(n)) = gp;
  o.bottomRows(Eigen::Index(n)) = -gq;
  return out;
}

/// The baseline's field: the MLP's output.
template <class T>
tensor<T> field(const mlp<T>& m, const tensor<T>& x) {
  HAMGEN_CHECK_SHAPE(x.rank() == 2 && x.dim(1) == m.options().in, "hnn::field: x has shape ", x.shape());
  detail::mlp_cache<T> c;
  c.resize(m.options(), Eigen::Index(x.dim(0)), false);
  c.x = Eigen::Map<const detail::mat<T>>(x.data(), Eigen::Index(x.dim(1)), Eigen::Index(x.dim(0)));
  detail::mlp_kernels<T>::hidden_forward(m, c);
  tensor<T> out(shape{x.dim(0), m.options().out});
  Eigen::Map<detail::mat<T>> o(out.data(), Eigen::Index(m.options().out), Eigen::Index(x.dim(0)));
  detail::mlp_kernels<T>::output(m, c, o);
  return out;
}

namespace detail {
template <class T, class Model, class StepFn>
double fit_loop(Model& model, const tensor<T>& x, const tensor<T>& xdot, const fit_options& o,
                StepFn&& step_fn) {
  optim::adam<T> opt(nn::named_parameters<T>(model), {.lr = o.lr});
  const std::size_t N = x.dim(0);
  const std::size_t bs = o.batch == 0 ? N : std::min(o.batch, N);
  std::vector<std::size_t> idx(N);
  std::iota(idx.begin(), idx.end(), std::size_t(0));
  generator g(o.seed);
  double last = 0;
  for (std::size_t s = 0; s < o.steps; ++s) {
    if (bs < N)
      for (std::size_t i = 0; i < bs; ++i)
        std::swap(idx[i], idx[i + std::size_t(g.uniform() * double(N - i))]);
    std::vector<std::size_t> sel(idx.begin(), idx.begin() + std::ptrdiff_t(bs));
    opt.zero_grad();
    last = step_fn(columns(x, sel), columns(xdot, sel));
    opt.step();
  }
  return last;
}
} // namespace detail

/// Trains H so that (∂H/∂p, −∂H/∂q)(x) ≈ xdot (mean squared error). Returns the last loss.
template <class H>
double fit(H& h, const tensor<typename H::value_type>& x, const tensor<typename H::value_type>& xdot,
           const fit_options& o = {}) {
  using T = typename H::value_type;
  const auto n = Eigen::Index(h.dim());
  detail::check_fit("hnn::fit", std::size_t(2 * n), x, xdot);
  typename H::cache cq, cp;
  detail::mlp_scratch<T> scratch;
  detail::mat<T> gq, gp, rq, rp, sbar;
  return detail::fit_loop<T>(h, x, xdot, o, [&](const detail::mat<T>& s, const detail::mat<T>& sd) {
    const Eigen::Index B = s.cols();
    gq.resize(n, B);
    gp.resize(n, B);
    h.prepare(cq, B, part::q);
    h.grad_part(cq, s, part::q, gq);
    h.prepare(cp, B, part::p);
    h.grad_part(cp, s, part::p, gp);
    rp = gp - sd.topRows(n);     // dq/dt residual
    rq = -gq - sd.bottomRows(n); // dp/dt residual
    const T scale = T(2) / T(rp.size() + rq.size());
    const double loss = (rp.squaredNorm() + rq.squaredNorm()) / double(rp.size() + rq.size());
    sbar.setZero(2 * n, B);
    detail::mat<T> gbar_p = scale * rp, gbar_q = -scale * rq;
    h.grad_part_adjoint(cp, part::p, gbar_p, sbar, scratch);
    h.grad_part_adjoint(cq, part::q, gbar_q, sbar, scratch);
    return loss;
  });
}

/// Trains the baseline MLP to predict xdot directly (mean squared error). Returns the last loss.
template <class T>
double fit_baseline(mlp<T>& m, const tensor<T>& x, const tensor<T>& xdot, const fit_options& o = {}) {
  HAMGEN_CHECK(m.options().in == m.options().out, "hnn::fit_baseline: the MLP must map 2n -> 2n");
  detail::check_fit("hnn::fit_baseline", m.options().in, x, xdot);
  detail::mlp_cache<T> c;
  detail::mlp_scratch<T> scratch;
  detail::mat<T> y;
  return detail::fit_loop<T>(m, x, xdot, o, [&](const detail::mat<T>& s, const detail::mat<T>& sd) {
    c.resize(m.options(), s.cols(), false);
    c.x = s;
    detail::mlp_kernels<T>::hidden_forward(m, c);
    y.resize(sd.rows(), sd.cols());
    detail::mlp_kernels<T>::output(m, c, y);
    detail::mat<T> r = y - sd;
    const double loss = r.squaredNorm() / double(r.size());
    detail::mat<T> ybar = (T(2) / T(r.size())) * r;
    detail::mlp_kernels<T>::backward(m, c, ybar, static_cast<detail::mat<T>*>(nullptr), false, scratch);
    return loss;
  });
}

/// Classical RK4 of a field f(tensor [N, 2n]) -> tensor [N, 2n]: [steps + 1, N, 2n].
template <class T, class F>
tensor<T> rk4_rollout(F&& f, const tensor<T>& x0, double dt, std::size_t steps) {
  const std::size_t N = x0.dim(0), d = x0.dim(1), sz = N * d;
  tensor<T> out(shape{steps + 1, N, d});
  std::copy(x0.begin(), x0.end(), out.data());
  tensor<T> x = x0, tmp(x0.shape());
  const T h = T(dt);
  for (std::size_t s = 0; s < steps; ++s) {
    auto axpy = [&](const tensor<T>& k, T a) {
      for (std::size_t i = 0; i < sz; ++i) tmp[i] = x[i] + a * k[i];
      return tmp;
    };
    tensor<T> k1 = f(x);
    tensor<T> k2 = f(axpy(k1, h / 2));
    tensor<T> k3 = f(axpy(k2, h / 2));
    tensor<T> k4 = f(axpy(k3, h));
    for (std::size_t i = 0; i < sz; ++i) x[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    std::copy(x.begin(), x.end(), out.data() + (s + 1) * sz);
  }
  return out;
}

} // namespace hamgen::hnn
