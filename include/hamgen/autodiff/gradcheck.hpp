// hamgen/autodiff/gradcheck.hpp
//
// Represents: the finite-difference gradient check every autodiff/layer test uses (in the spirit
//             of dlib's test_layer and Stan's expect_ad): L(x) = Σ w ⊙ f(x) with fixed random
//             weights w, analytic ∂L/∂x from grad() against central differences
//             (L(x + h e_i) - L(x - h e_i)) / 2h in double precision.
// Requires:   f(tape&, const std::vector<var<double>>&) -> var<double>, deterministic (use
//             fixed masks/seeds inside f); inputs away from kinks of non-smooth functions.
// Ensures:    per input the norm-wise relative error ‖g_ad - g_fd‖₂ / max(‖g_ad‖₂, ‖g_fd‖₂) (an
//             absolute difference below `abs_floor` counts as exact: zero gradients);
//             ok = every input's error <= tolerance. f may itself call grad(..., create_graph),
//             which is how second-order quantities (‖∇ₓ f‖², R1) are checked.
#pragma once

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/autodiff/grad.hpp>
#include <hamgen/core/random.hpp>

namespace hamgen::autodiff {

struct gradcheck_options {
  double step = 1e-6;      ///< finite-difference step h
  double tolerance = 1e-6; ///< maximal norm-wise relative error
  double abs_floor = 1e-9; ///< absolute differences below this count as exact
  std::uint64_t seed = 20240611;
};

struct gradcheck_result {
  bool ok = true;
  double max_error = 0;       ///< largest relative error over the inputs
  std::vector<double> errors; ///< per input
  std::string report;         ///< human-readable summary (print it on failure)
};

template <class F>
gradcheck_result gradcheck(F&& f, const std::vector<tensor<double>>& inputs, gradcheck_options opt = {}) {
  using vd = var<double>;
  generator gen(opt.seed);
  tensor<double> w;
  auto loss = [&](tape& t, const std::vector<tensor<double>>& xs, std::vector<vd>* leaves) {
    std::vector<vd> vs;
    for (const auto& x : xs) vs.push_back(t.variable(x));
    if (leaves) *leaves = vs;
    vd y = f(t, vs);
    if (w.empty() || w.shape() != y.shape()) w = normal<double>(y.shape(), gen);
    return sum(mul(y, t.constant(w)));
  };
  gradcheck_result r;
  std::vector<tensor<double>> analytic;
  {
    tape t;
    std::vector<vd> leaves;
    vd L = loss(t, inputs, &leaves);
    for (auto& g : grad(t, L, std::span<const vd>(leaves))) analytic.push_back(g.value());
  }
  std::ostringstream rep;
  rep.precision(3);
  std::vector<tensor<double>> xs = inputs;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    double diff2 = 0, a2 = 0, n2 = 0;
    for (std::size_t i = 0; i < xs[k].size(); ++i) {
      const double x0 = xs[k][i];
      double lp = 0, lm = 0;
      {
        xs[k][i] = x0 + opt.step;
        tape t;
        lp = loss(t, xs, nullptr).item();
      }
      {
        xs[k][i] = x0 - opt.step;
        tape t;
        lm = loss(t, xs, nullptr).item();
      }
      xs[k][i] = x0;
      const double num = (lp - lm) / (2 * opt.step), ad = analytic[k][i];
      diff2 += (num - ad) * (num - ad);
      a2 += ad * ad;
      n2 += num * num;
    }
    const double diff = std::sqrt(diff2), den = std::max(std::sqrt(a2), std::sqrt(n2));
    const double err = diff <= opt.abs_floor ? 0.0 : diff / den;
    r.errors.push_back(err);
    r.max_error = std::max(r.max_error, err);
    if (err > opt.tolerance) r.ok = false;
    rep << "input " << k << " shape " << xs[k].shape() << ": relative error " << err << " (|g_ad| "
        << std::sqrt(a2) << ", |g_fd| " << std::sqrt(n2) << ")\n";
  }
  r.report = rep.str();
  return r;
}

} // namespace hamgen::autodiff
