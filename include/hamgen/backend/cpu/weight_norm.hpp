// hamgen/backend/cpu/weight_norm.hpp
//
// Represents: raw CPU kernels of weight normalisation (Salimans & Kingma 2016), PyTorch's
//             torch.nn.utils.weight_norm with dim = 0: a weight of shape (out, rest...) is
//             reparameterised per output row o as
//               w[o, :] = g[o] v[o, :] / ||v[o, :]||_2,
//             v and w are (out, fan) row-major with fan = product of the remaining dims (for a
//             Conv1d weight (out, in, k), fan = in * k), g has out values.
// Requires:   T float or double; ||v[o, :]|| > 0 for every row (checked: a zero row raises
//             hamgen::value_error naming the row).
// Ensures:    forward writes w and, when norms != nullptr, norms[o] = ||v[o, :]|| (accumulated in
//             double). Backward, given dw = dL/dw:
//               dg[o] = <dw[o, :], v[o, :]> / ||v[o, :]||
//               dv[o, :] = (g[o] / ||v[o, :]||) (dw[o, :] - (dg[o] / ||v[o, :]||) v[o, :])
//             (norms may be nullptr: then they are recomputed; dv or dg may be nullptr). Outputs
//             are overwritten. Both are cheap (O(out * fan)) and single-threaded.
//             Note PyTorch initialises g = ||v|| at wrap time, so w equals the original weight.
#pragma once

#include <hamgen/backend/cpu/parallel.hpp>
#include <hamgen/core/error.hpp>

#include <cmath>

namespace hamgen::backend::cpu {

namespace detail {
template <class T>
double row_norm(const T* v, index_t fan) {
  double s = 0.0;
  for (index_t i = 0; i < fan; ++i) s += static_cast<double>(v[i]) * static_cast<double>(v[i]);
  return std::sqrt(s);
}
} // namespace detail

/// ||v[o, :]|| for every row o (out values).
template <class T>
void weight_norm_norms(index_t out, index_t fan, const T* v, T* norms) {
  for (index_t o = 0; o < out; ++o) norms[o] = static_cast<T>(detail::row_norm(v + o * fan, fan));
}

/// w = g v / ||v|| row by row; norms (out values, nullable) receives ||v[o, :]||.
template <class T>
void weight_norm_forward(index_t out, index_t fan, const T* v, const T* g, T* w, T* norms) {
  HAMGEN_CHECK_SHAPE(out >= 1 && fan >= 1, "cpu::weight_norm_forward: out ", out, " and fan ", fan,
                     " must be >= 1");
  for (index_t o = 0; o < out; ++o) {
    const double nrm = detail::row_norm(v + o * fan, fan);
    HAMGEN_CHECK(nrm > 0.0, "cpu::weight_norm_forward: row ", o, " of v has zero norm");
    if (norms) norms[o] = static_cast<T>(nrm);
    const T scale = static_cast<T>(static_cast<double>(g[o]) / nrm);
    for (index_t i = 0; i < fan; ++i) w[o * fan + i] = scale * v[o * fan + i];
  }
}

/// dv and dg (each nullable) from dw; norms from the forward or nullptr (recomputed).
template <class T>
void weight_norm_backward(index_t out, index_t fan, const T* v, const T* g, const T* norms, const T* dw,
                          T* dv, T* dg) {
  HAMGEN_CHECK_SHAPE(out >= 1 && fan >= 1, "cpu::weight_norm_backward: out ", out, " and fan ", fan,
                     " must be >= 1");
  for (index_t o = 0; o < out; ++o) {
    const T* vr = v + o * fan;
    const T* dwr = dw + o * fan;
    const double nrm = norms ? static_cast<double>(norms[o]) : detail::row_norm(vr, fan);
    HAMGEN_CHECK(nrm > 0.0, "cpu::weight_norm_backward: row ", o, " of v has zero norm");
    double d = 0.0;
    for (index_t i = 0; i < fan; ++i) d += static_cast<double>(dwr[i]) * static_cast<double>(vr[i]);
    const double dgo = d / nrm;
    if (dg) dg[o] = static_cast<T>(dgo);
    if (dv) {
      const T a = static_cast<T>(static_cast<double>(g[o]) / nrm);
      const T b = static_cast<T>(static_cast<double>(g[o]) * dgo / (nrm * nrm));
      for (index_t i = 0; i < fan; ++i) dv[o * fan + i] = a * dwr[i] - b * vr[i];
    }
  }
}

} // namespace hamgen::backend::cpu
