#include <catch2/catch.hpp>

#include <hamgen/backend/cpu/reduction.hpp>
#include <hamgen/core/tensor.hpp>

namespace cpu = hamgen::backend::cpu;
using hamgen::tensor;

TEST_CASE("cpu reductions", "[backend]") {
  auto x = tensor<double>::from({2, 3}, {1, 2, 3, 4, 5, 6});
  tensor<double> c({2}), a({3}), e({2, 3});
  CHECK(cpu::sum(x.data(), x.size()) == 21);
  cpu::sum_except_axis(x.data(), c.data(), 1, 2, 3); // channel axis 0
  CHECK(c[0] == 6);
  CHECK(c[1] == 15);
  cpu::sum_axis(x.data(), a.data(), 1, 2, 3);
  CHECK(a[2] == 9);
  cpu::expand_axis(a.data(), e.data(), 1, 2, 3);
  CHECK(e(1, 1) == 7);
}
