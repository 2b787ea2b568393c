#include <hamgen/backend/cpu/weight_norm.hpp>

#include "kernel_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace cpu = hamgen::backend::cpu;
using kernel_test::fd_gradient;
using kernel_test::random_vector;
using kernel_test::rel_error;
using vec = std::vector<double>;

namespace {
vec naive_wn(long out, long fan, const vec& v, const vec& g) {
  vec w(v.size());
  for (long o = 0; o < out; ++o) {
    double s = 0;
    for (long i = 0; i < fan; ++i) s += v[o * fan + i] * v[o * fan + i];
    for (long i = 0; i < fan; ++i) w[o * fan + i] = g[o] * v[o * fan + i] / std::sqrt(s);
  }
  return w;
}
} // namespace

TEST_CASE("weight norm forward and backward (Conv1d weight 5 x (3 x 4))", "[backend][weight_norm]") {
  const long out = 5, fan = 12;
  const auto v = random_vector(out * fan, 1), g = random_vector(out, 2, 0.5, 2.0),
             G = random_vector(out * fan, 3);
  vec w(v.size()), norms(out);
  cpu::weight_norm_forward(out, fan, v.data(), g.data(), w.data(), norms.data());
  CHECK(rel_error(w, naive_wn(out, fan, v, g)) < 1e-14);
  for (long o = 0; o < out; ++o) {
    double s = 0;
    for (long i = 0; i < fan; ++i) s += w[o * fan + i] * w[o * fan + i];
    CHECK(std::sqrt(s) == Approx(std::abs(g[o])).epsilon(1e-13)); // ||w_o|| = |g_o|
  }
  vec dv(v.size()), dg(out), dv2(v.size());
  cpu::weight_norm_backward(out, fan, v.data(), g.data(), norms.data(), G.data(), dv.data(), dg.data());
  cpu::weight_norm_backward(out, fan, v.data(), g.data(), static_cast<const double*>(nullptr), G.data(),
                            dv2.data(), static_cast<double*>(nullptr));
  CHECK(rel_error(dv2, dv) < 1e-14);
  CHECK(rel_error(dv, fd_gradient([&](const vec& x) { return kernel_test::dot(naive_wn(out, fan, x, g), G); },
                                  v)) < 1e-6);
  CHECK(rel_error(dg, fd_gradient([&](const vec& x) { return kernel_test::dot(naive_wn(out, fan, v, x), G); },
                                  g)) < 1e-6);

  auto vf = kernel_test::cast<float>(v), gf = kernel_test::cast<float>(g);
  std::vector<float> wf(v.size());
  cpu::weight_norm_forward(out, fan, vf.data(), gf.data(), wf.data(), static_cast<float*>(nullptr));
  CHECK(rel_error(vec(wf.begin(), wf.end()), w) < 1e-6);
}

TEST_CASE("weight norm rejects a zero row", "[backend][weight_norm]") {
  const vec v(6, 0.0), g(2, 1.0);
  vec w(6);
  CHECK_THROWS_WITH(
      cpu::weight_norm_forward(2L, 3L, v.data(), g.data(), w.data(), static_cast<double*>(nullptr)),
      Catch::Contains("cpu::weight_norm_forward") && Catch::Contains("row 0"));
}
