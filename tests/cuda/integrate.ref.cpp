// CPU references for tests/cuda/integrate.test.cu (compiled by g++, with Eigen and hamgen's CPU
// integrators; the .cu file sees only these declarations).
#include <hamgen/hamiltonian/systems/pendulum.hpp>
#include <hamgen/hamiltonian/systems/two_body.hpp>
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/splitting.hpp>

#include <stdexcept>
#include <vector>

namespace integ = hamgen::integrate;
namespace ham = hamgen::ham;

namespace {
template <int Dof, class H>
void run(int method, const H& h, std::vector<double>& q, std::vector<double>& p, double dt, int steps) {
  const auto rows = static_cast<Eigen::Index>(q.size() / Dof);
  integ::batch_matrix<double, Dof> Q(rows, Dof), P(rows, Dof);
  for (Eigen::Index b = 0; b < rows; ++b)
    for (int j = 0; j < Dof; ++j) {
      Q(b, j) = q[static_cast<std::size_t>(b * Dof + j)];
      P(b, j) = p[static_cast<std::size_t>(b * Dof + j)];
    }
  const auto n = static_cast<std::size_t>(steps);
  switch (method) {
  case 0:
    integ::integrate_batch(integ::leapfrog_kdk{}, h, Q, P, dt, n);
    break;
  case 1:
    integ::integrate_batch(integ::yoshida4{}, h, Q, P, dt, n);
    break;
  case 2:
    integ::integrate_batch(integ::mclachlan4{}, h, Q, P, dt, n);
    break;
  case 3:
    integ::integrate_batch(integ::leapfrog_dkd{}, h, Q, P, dt, n);
    break;
  default:
    throw std::invalid_argument("cpu reference: unknown method");
  }
  for (Eigen::Index b = 0; b < rows; ++b)
    for (int j = 0; j < Dof; ++j) {
      q[static_cast<std::size_t>(b * Dof + j)] = Q(b, j);
      p[static_cast<std::size_t>(b * Dof + j)] = P(b, j);
    }
}
} // namespace

void cpu_pendulum_reference(int method, std::vector<double>& q, std::vector<double>& p, double dt,
                            int steps) {
  run<1>(method, ham::pendulum{.m = 0.5, .g = 3.0, .l = 1.0}, q, p, dt, steps);
}

void cpu_two_body_reference(int method, std::vector<double>& q, std::vector<double>& p, double dt,
                            int steps) {
  run<4>(method, ham::two_body{}, q, p, dt, steps);
}
