// hamgen/optim/clip.hpp
//
// Represents: gradient-norm clipping (PyTorch clip_grad_norm_): total = ‖(all gradients)‖₂;
//             if total > max_norm every gradient is scaled by max_norm / (total + 1e-6).
// Requires:   parameters from nn::named_parameters(model); max_norm > 0.
// Ensures:    returns the total norm before clipping (accumulated in double).
#pragma once

#include <cmath>
#include <vector>

#include <hamgen/nn/module.hpp>

namespace hamgen::optim {

template <class T, class D>
double clip_grad_norm(const std::vector<nn::named_parameter<T, D>>& params, double max_norm) {
  HAMGEN_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be positive, got ", max_norm);
  double s = 0;
  for (const auto& p : params)
    for (const T g : p.param->grad) s += double(g) * double(g);
  const double total = std::sqrt(s);
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1)
    for (const auto& p : params) p.param->grad.as_array() *= T(coef);
  return total;
}

} // namespace hamgen::optim
