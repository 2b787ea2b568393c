// GPU batch splitting integrator vs the CPU integrator (computed by g++ in integrate.ref.cpp).
#include <hamgen/cuda/integrate.cuh>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace hc = hamgen::cuda;
namespace methods = hamgen::integrate::methods;

// CPU references (tests/cuda/integrate.ref.cpp, Eigen + hamgen::integrate::integrate_batch).
// method: 0 = leapfrog_kdk, 1 = yoshida4, 2 = mclachlan4, 3 = leapfrog_dkd.
void cpu_pendulum_reference(int method, std::vector<double>& q, std::vector<double>& p, double dt, int steps);
void cpu_two_body_reference(int method, std::vector<double>& q, std::vector<double>& p, double dt, int steps);

namespace {
double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::fmax(m, std::fabs(a[i] - b[i]));
  return m;
}

template <class Method>
void compare_pendulum(int method) {
  const int batch = 1000, steps = 500;
  const double dt = 0.05;
  std::vector<double> q(batch), p(batch);
  for (int b = 0; b < batch; ++b) {
    q[b] = -2.5 + 5.0 * b / batch;
    p[b] = 0.3 * std::sin(0.1 * b);
  }
  auto qc = q, pc = p;
  hc::integrate_batch<Method>(hc::pendulum<double>{0.5, 3.0, 1.0}, std::span<double>(q), std::span<double>(p),
                              dt, steps);
  cpu_pendulum_reference(method, qc, pc, dt, steps);
  CHECK(max_abs_diff(q, qc) < 1e-9);
  CHECK(max_abs_diff(p, pc) < 1e-9);
  CHECK(max_abs_diff(q, std::vector<double>(batch, 0.0)) > 0.1); // something happened
}
} // namespace

TEST_CASE("GPU splitting batch matches the CPU integrator on pendulums", "[cuda][integrate]") {
  compare_pendulum<methods::leapfrog_kdk>(0);
  compare_pendulum<methods::yoshida4>(1);
  compare_pendulum<methods::mclachlan4>(2);
  compare_pendulum<methods::leapfrog_dkd>(3);
}

TEST_CASE("GPU splitting batch matches the CPU integrator on two-body orbits", "[cuda][integrate]") {
  const int batch = 257, steps = 400; // odd batch: partial last block
  const double dt = 0.01;
  std::vector<double> q(4 * batch), p(4 * batch);
  for (int b = 0; b < batch; ++b) {
    const double sx = 0.6 + 0.8 * b / batch, sy = 0.9 - 0.3 * b / batch, r = std::hypot(sx, sy);
    const double f = 0.9 / (2 * r * std::sqrt(r));
    const double v[4] = {sy * f, -sx * f, -sy * f, sx * f}, x[4] = {sx, sy, -sx, -sy};
    for (int j = 0; j < 4; ++j) {
      q[4 * b + j] = x[j];
      p[4 * b + j] = v[j];
    }
  }
  auto qc = q, pc = p;
  hc::integrate_batch<methods::yoshida4>(hc::two_body<double>{1.0, 1.0, 1.0}, std::span<double>(q),
                                         std::span<double>(p), dt, steps);
  cpu_two_body_reference(1, qc, pc, dt, steps);
  CHECK(max_abs_diff(q, qc) < 1e-9);
  CHECK(max_abs_diff(p, pc) < 1e-9);
}

TEST_CASE("GPU leapfrog in float follows the harmonic oscillator's closed form", "[cuda][integrate]") {
  const int batch = 512, steps = 1000;
  const double dt = 0.01; // t = 10
  std::vector<float> q(batch), p(batch, 0.0f);
  for (int b = 0; b < batch; ++b) q[b] = 0.1f + b / 512.0f;
  const auto q0 = q;
  hc::integrate_batch<methods::leapfrog_kdk>(hc::harmonic_oscillator<float>{2.0f, 0.5f}, std::span<float>(q),
                                             std::span<float>(p), dt, steps);
  for (int b = 0; b < batch; ++b) {
    const double w = 2.0, t = dt * steps; // ω = sqrt(k/m)
    CHECK(std::fabs(q[b] - q0[b] * std::cos(w * t)) < 2e-3 * q0[b] + 1e-5);
  }
}

TEST_CASE("GPU batch integrator rejects bad input", "[cuda][integrate]") {
  std::vector<double> q(8), p(6);
  CHECK_THROWS_AS((hc::integrate_batch<methods::leapfrog_kdk>(hc::two_body<double>{}, std::span<double>(q),
                                                              std::span<double>(p), 0.01, 1)),
                  hamgen::shape_error);
  std::vector<double> a(4, 0.0), b(4, 0.0);
  CHECK_THROWS_WITH((hc::integrate_batch<methods::leapfrog_kdk>(hc::pendulum<double>{}, std::span<double>(a),
                                                                std::span<double>(b), NAN, 1)),
                    Catch::Contains("dt is not finite"));
  CHECK_THROWS_AS((hc::integrate_batch<methods::leapfrog_kdk>(hc::pendulum<double>{}, std::span<double>(a),
                                                              std::span<double>(b), 0.1, -1)),
                  hamgen::value_error);
}
