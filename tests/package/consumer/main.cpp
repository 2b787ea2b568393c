// A program that uses hamgen as an outside project would: through find_package or add_subdirectory.
// It integrates a harmonic oscillator with leapfrog and checks the result against the closed form.
#include <hamgen/hamgen.hpp>
#include <hamgen/hamiltonian/systems/harmonic_oscillator.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/splitting.hpp>

#include <cmath>
#include <cstdio>

int main() {
  namespace ham = hamgen::ham;
  namespace integ = hamgen::integrate;
  const ham::harmonic_oscillator h{.k = 2.0, .m = 0.5};
  Eigen::Vector<double, 1> q(1.0), p(0.0);
  integ::integrate_const(integ::leapfrog{}, h, q, p, 0.0, 1.0, 0.001);
  const auto [qe, pe] = h.exact(Eigen::Vector<double, 1>(1.0), Eigen::Vector<double, 1>(0.0), 1.0);
  if (std::abs(q(0) - qe(0)) > 1e-5 || std::abs(p(0) - pe(0)) > 1e-5) {
    std::printf("consumer: leapfrog result (%g, %g) is far from the closed form (%g, %g)\n", q(0), p(0),
                qe(0), pe(0));
    return 1;
  }
  try {
    HAMGEN_CHECK(false, "consumer: expected error");
  } catch (const hamgen::value_error&) {
    std::printf("hamgen consumer ok (hamgen %s, leapfrog q(1) = %.6f)\n", hamgen::version_string(), q(0));
    return 0;
  }
  return 1;
}
