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
