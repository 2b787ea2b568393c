#include <catch2/catch.hpp>

#include <hamgen/autodiff/functions.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;
using vd = var<double>;

TEST_CASE("grad: first, second and third derivatives of a scalar function", "[autodiff]") {
  tape t;
  auto x = t.variable(tensor<double>::from({1}, {0.7}));
  auto y = ad::sum(ad::mul(ad::sin(x), ad::square(x))); // y = x² sin x
  auto g1 = grad(t, y, {x}, {.create_graph = true})[0];
  auto g2 = grad(t, ad::sum(g1), {x}, {.create_graph = true})[0];
  auto g3 = grad(t, ad::sum(g2), {x})[0];
  const double v = 0.7, s = std::sin(v), c = std::cos(v);
  CHECK(g1.item() == Approx(2 * v * s + v * v * c).epsilon(1e-14));
  CHECK(g2.item() == Approx(2 * s + 4 * v * c - v * v * s).epsilon(1e-14));
  CHECK(g3.item() == Approx(6 * c - 6 * v * s - v * v * c).epsilon(1e-14));
  CHECK(g1.requires_grad());
  CHECK_FALSE(g3.requires_grad()); // no create_graph: a constant
}

TEST_CASE("grad: Hessian-vector product of a quadratic form and VJP with a seed", "[autodiff]") {
  tape t;
  auto A = tensor<double>::from({2, 2}, {2, 1, 1, 3});
  auto x = t.variable(tensor<double>::from({2, 1}, {1, -1}));
  auto Av = t.constant(A);
  auto f = ad::scale(ad::sum(ad::mul(x, ad::matmul(Av, x))), 0.5); // ½ xᵀAx
  auto gx = grad(t, f, {x}, {.create_graph = true})[0];            // Ax
  CHECK(gx.value()[0] == Approx(1));
  CHECK(gx.value()[1] == Approx(-2));
  auto v = t.constant(tensor<double>::from({2, 1}, {1, 2}));
  auto hv = grad(t, gx, v, {x})[0]; // A v
  CHECK(hv.value()[0] == Approx(4));
  CHECK(hv.value()[1] == Approx(7));
}

TEST_CASE("grad: unused inputs get zeros, non-scalar y needs a seed, pruning skips parameters",
          "[autodiff]") {
  tape t;
  auto x = t.variable(tensor<double>({3}, 1.0));
  auto u = t.variable(tensor<double>({2}, 1.0));
  tensor<double> w({3}, 2.0), gw = tensor<double>::zeros({3});
  auto wv = t.reference(w, &gw);
  auto y = ad::sum(ad::mul(x, wv));
  auto g = grad(t, y, {x, u});
  CHECK(g[0].value()[2] == 2.0);
  CHECK(g[1].value()[0] == 0.0);
  CHECK(gw[0] == 0.0); // grad() never touches parameter sinks
  CHECK_THROWS_AS(grad(t, ad::mul(x, x), {x}), shape_error);
  // R1-style: ∇ₓ then backward into the parameter through the gradient
  auto gx = grad(t, y, {x}, {.create_graph = true})[0]; // = w
  backward(t, ad::sum_squares(gx));                     // d/dw Σ w² = 2w
  CHECK(gw[1] == 4.0);
}
