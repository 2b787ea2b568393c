// tests/support/layer_check.hpp: finite-difference check (double) of a layer's parameter and input
// gradients, first order (L = Σ w ⊙ f(x; θ)) or second order (L = ‖∇ₓ Σ w ⊙ f(x; θ)‖², double
// backprop). Layer state (BatchNorm running stats, dropout counters) is snapshotted and restored
// before every evaluation so each one sees the same masks and statistics.
#pragma once

#include <cmath>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/core/random.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::test {

struct layer_check_result {
  bool ok = true;
  double max_error = 0;
  std::string report;
};

template <class L>
layer_check_result check_layer(L& layer, const tensor<double>& x0, bool second_order = false,
                               double tol = 1e-6, double h = 1e-6) {
  using vd = var<double>;
  namespace ad = hamgen::autodiff;
  // snapshot of the state
  std::vector<std::vector<char>> snap;
  layer.visit_state(
      [&](const std::string&, auto& t) {
        const char* p = reinterpret_cast<const char*>(t.data());
        snap.emplace_back(p, p + t.size() * sizeof(*t.data()));
      },
      "");
  auto restore = [&] { // running statistics and RNG counters, never the (perturbed) parameters
    std::size_t k = 0;
    layer.visit_state(
        [&](const std::string& n, auto& t) {
          const bool is_double = std::is_same_v<std::decay_t<decltype(t)>, tensor<double>>;
          if (!is_double || n.find("running") != std::string::npos)
            std::memcpy(static_cast<void*>(t.data()), snap[k].data(), snap[k].size());
          ++k;
        },
        "");
  };
  tensor<double> w;
  auto loss = [&](tape& t, const tensor<double>& x, vd* xv_out) {
    restore();
    vd xv = t.variable(x);
    if (xv_out) *xv_out = xv;
    vd y = layer.forward(t, xv);
    if (w.empty()) {
      generator g(99);
      w = normal<double>(y.shape(), g);
    }
    vd l = ad::sum(ad::mul(y, t.constant(w)));
    if (!second_order) return l;
    auto gx = grad(t, l, {xv}, {.create_graph = true});
    return ad::sum_squares(gx[0]);
  };
  nn::zero_grad(layer);
  tensor<double> gx_ad;
  {
    tape t;
    vd xv;
    vd l = loss(t, x0, &xv);
    backward(t, l);
    gx_ad = xv.grad().empty() ? tensor<double>::zeros(x0.shape()) : xv.grad();
  }
  auto eval = [&](const tensor<double>& x) {
    tape t;
    return loss(t, x, nullptr).item();
  };
  layer_check_result r;
  std::ostringstream rep;
  auto compare = [&](const std::string& name, tensor<double>& target, const tensor<double>& ad_grad,
                     const tensor<double>& x) {
    double d2 = 0, a2 = 0, n2 = 0;
    for (std::size_t i = 0; i < target.size(); ++i) {
      const double v = target[i];
      target[i] = v + h;
      const double lp = eval(x);
      target[i] = v - h;
      const double lm = eval(x);
      target[i] = v;
      const double num = (lp - lm) / (2 * h), a = ad_grad.empty() ? 0.0 : ad_grad[i];
      d2 += (num - a) * (num - a);
      a2 += a * a;
      n2 += num * num;
    }
    const double diff = std::sqrt(d2), err = diff <= 1e-9 ? 0 : diff / std::max(std::sqrt(a2), std::sqrt(n2));
    rep << name << ": relative error " << err << " (|ad| " << std::sqrt(a2) << ", |fd| " << std::sqrt(n2)
        << ")\n";
    r.max_error = std::max(r.max_error, err);
    if (err > tol || !std::isfinite(err)) r.ok = false;
  };
  std::vector<std::pair<std::string, nn::parameter<double>*>> ps;
  layer.visit_parameters([&](const std::string& n, auto& p) { ps.push_back({n, &p}); }, "");
  for (auto& [name, p] : ps) {
    const tensor<double> g = p->grad;
    compare(name, p->value, g, x0);
  }
  tensor<double> x = x0;
  compare("input", x, gx_ad, x);
  // compare() perturbs `x` in place through `target`; eval reads the same tensor
  restore();
  r.report = rep.str();
  return r;
}

} // namespace hamgen::test
