#include <catch2/catch.hpp>

#include <hamgen/autodiff/gradcheck.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;
using vd = var<double>;

namespace {
// an op with a deliberately wrong backward (factor 2 too large)
vd wrong_square(vd x) {
  return ad::record(x.get_tape(), "wrong_square", ops::unary(ops::unary_kind::square, x.value()), {x},
                    [](ad::backward_context<double, cpu_t>& c) {
                      c.accumulate(0, ad::mul(c.grad(), ad::scale(c.input(0), 4.0)));
                    });
}
} // namespace

TEST_CASE("gradcheck passes correct gradients and catches a wrong one", "[autodiff]") {
  generator g(1);
  auto x = normal<double>({3, 2}, g);
  auto good = ad::gradcheck([](tape&, const std::vector<vd>& v) { return ad::square(v[0]); }, {x});
  CHECK(good.ok);
  CHECK(good.max_error < 1e-8);
  auto bad = ad::gradcheck([](tape&, const std::vector<vd>& v) { return wrong_square(v[0]); }, {x});
  CHECK_FALSE(bad.ok);
  CHECK(bad.max_error == Approx(1.0 / 2.0).epsilon(1e-6)); // |2g - g| / |2g|
}
