// hamgen/loss/cyclic.hpp
//
// Represents: HGAN's cyclic-coordinate loss (Allen-Blanchette et al., eq. 4):
//               paper:           L_cyc = (1/N) Σ_i λ |ṗ_i|   (N the batch size, i over the latent
//                                dimension; the sum over time is implicit);
//               reference code:  L_cyc = λ · Σ_{t, b, i} |ṗ_i|_{t,b} / B   (sum over the T − 1 steps,
//                                the batch and the n momentum dimensions, divided by the batch only)
//               = cyclic_coordinate_loss(dpdt, λ). cyclic_coordinate_loss_mean is the per-element mean
//               variant (λ · mean |ṗ|, what hnn_rollout_torch.py's benchmark loss uses per step).
//             ṗ is the force −∂H/∂q of the rollout (hnn/rollout.hpp dpdt), not a finite difference.
//             λ = 0.01 in every HGAN experiment.
// Requires:   dpdt of shape [T − 1, B, n] (rank 3).
// Ensures:    rank-0 var, differentiable (|x|' = sign x, 0 at 0).
#pragma once

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/core/error.hpp>

namespace hamgen::loss {

template <class T, class D>
var<T, D> cyclic_coordinate_loss(const var<T, D>& dpdt, double lambda = 0.01) {
  HAMGEN_CHECK_SHAPE(dpdt.shape().rank() == 3 && dpdt.shape()[1] > 0,
                     "loss::cyclic_coordinate_loss: dpdt has shape ", dpdt.shape(), ", expected [T-1, B, n]");
  return autodiff::scale(autodiff::sum(autodiff::abs(dpdt)), T(lambda / double(dpdt.shape()[1])));
}

template <class T, class D>
var<T, D> cyclic_coordinate_loss_mean(const var<T, D>& dpdt, double lambda = 0.01) {
  HAMGEN_CHECK_SHAPE(dpdt.shape().rank() == 3, "loss::cyclic_coordinate_loss_mean: dpdt has shape ",
                     dpdt.shape(), ", expected [T-1, B, n]");
  return autodiff::scale(autodiff::mean(autodiff::abs(dpdt)), T(lambda));
}

} // namespace hamgen::loss
