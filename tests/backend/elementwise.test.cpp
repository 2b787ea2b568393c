#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include <hamgen/backend/cpu/elementwise.hpp>

namespace cpu = hamgen::backend::cpu;

TEST_CASE("cpu elementwise kernels: unary, binary, affine, axpy, channel affine, broadcast", "[backend]") {
  std::vector<double> x{-1.5, 0.0, 2.0}, y(3), z(3);
  cpu::unary(cpu::unary_kind::leaky_step, x.data(), y.data(), 3, 0.1);
  CHECK(y == std::vector<double>{0.1, 0.1, 1.0});
  cpu::unary(cpu::unary_kind::softplus, x.data(), y.data(), 3);
  CHECK(y[0] == Approx(std::log1p(std::exp(-1.5))));
  cpu::binary(cpu::binary_kind::mul, x.data(), x.data(), z.data(), 3);
  CHECK(z[0] == 2.25);
  cpu::affine(x.data(), z.data(), 3, 2.0, 1.0);
  CHECK(z[2] == 5.0);
  cpu::axpy(3.0, x.data(), z.data(), 3);
  CHECK(z[2] == 11.0);
  std::vector<double> a{1, 2, 3, 4}, s{10, 100}, t{1, 2}, out(4);
  cpu::channel_affine(a.data(), s.data(), t.data(), out.data(), 2, 2, 1); // [2, 2] along axis 1
  CHECK(out == std::vector<double>{11, 202, 31, 402});
  cpu::broadcast_axis(s.data(), out.data(), 1, 2, 2);
  CHECK(out == std::vector<double>{10, 10, 100, 100});
}

TEST_CASE("cpu piecewise kernels (step, leaky_relu, leaky_step, leaky_relu_backward) match scalar loops",
          "[backend]") {
  // 203 elements: three full 64-element blocks and a tail; signs alternate irregularly
  const std::size_t n = 203;
  std::vector<float> x(n), g(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(std::sin(0.7 * double(i) + 0.3)) * (i % 5 == 0 ? 0.0f : 1.0f);
    g[i] = static_cast<float>(std::cos(1.3 * double(i)));
  }
  const float a = 0.2f;
  std::vector<float> y(n);
  cpu::unary(cpu::unary_kind::leaky_relu, x.data(), y.data(), n, a);
  for (std::size_t i = 0; i < n; ++i) CHECK(y[i] == (x[i] > 0 ? x[i] : a * x[i]));
  cpu::unary(cpu::unary_kind::leaky_step, x.data(), y.data(), n, a);
  for (std::size_t i = 0; i < n; ++i) CHECK(y[i] == (x[i] > 0 ? 1.0f : a));
  cpu::unary(cpu::unary_kind::step, x.data(), y.data(), n);
  for (std::size_t i = 0; i < n; ++i) CHECK(y[i] == (x[i] > 0 ? 1.0f : 0.0f));
  cpu::leaky_relu_backward(g.data(), x.data(), y.data(), n, a);
  for (std::size_t i = 0; i < n; ++i) CHECK(y[i] == (x[i] > 0 ? g[i] : a * g[i]));
  // in place (x == y, g == out)
  auto xi = x;
  cpu::unary(cpu::unary_kind::leaky_relu, xi.data(), xi.data(), n, a);
  for (std::size_t i = 0; i < n; ++i) CHECK(xi[i] == (x[i] > 0 ? x[i] : a * x[i]));
  auto gi = g;
  cpu::leaky_relu_backward(gi.data(), x.data(), gi.data(), n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) CHECK(gi[i] == (x[i] > 0 ? g[i] : 0.0f));
}
