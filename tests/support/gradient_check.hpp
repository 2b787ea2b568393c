// tests/support/gradient_check.hpp: central finite differences of H(q, p) against a system's
// analytic dh_dq / dh_dp (double precision, step 1e-6). Test-only.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cmath>

namespace hamgen_test {

/// max |analytic − central difference| / (1 + |analytic|) over all components of ∂H/∂q and ∂H/∂p.
template <class H, class S>
double gradient_error(const H& h, const S& q, const S& p, double step = 1e-6) {
  const S gq = h.dh_dq(q, p), gp = h.dh_dp(q, p);
  double worst = 0;
  for (Eigen::Index i = 0; i < q.size(); ++i) {
    S qa = q, qb = q, pa = p, pb = p;
    qa(i) += step;
    qb(i) -= step;
    pa(i) += step;
    pb(i) -= step;
    const double fq = (h.energy(qa, p) - h.energy(qb, p)) / (2 * step);
    const double fp = (h.energy(q, pa) - h.energy(q, pb)) / (2 * step);
    worst = std::max(
        {worst, std::abs(fq - gq(i)) / (1 + std::abs(gq(i))), std::abs(fp - gp(i)) / (1 + std::abs(gp(i)))});
  }
  return worst;
}

} // namespace hamgen_test
