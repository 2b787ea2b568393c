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

namespace {
// one training-like graph: h = tanh(x W), a = relu(h) (+ a leaky branch), y = Σ a² ; returns y
struct small_net {
  tape t;
  tensor<double> w = tensor<double>::from({3, 2}, {0.3, -0.7, 1.1, 0.4, -0.2, 0.9});
  tensor<double> w_grad;
  vd x, h, a, y;
  small_net() {
    x = t.variable(tensor<double>::from({2, 3}, {0.5, -1.0, 2.0, 0.1, 0.7, -0.4}));
    h = ad::tanh(ad::matmul(x, t.reference(w, &w_grad)));
    a = ad::add(ad::relu(h), ad::leaky_relu(h, 0.1));
    y = ad::sum(ad::square(ad::sigmoid(a)));
  }
};
} // namespace

TEST_CASE("backward with retain_graph = false: same gradients, intermediate values freed", "[autodiff]") {
  small_net keep, drop;
  backward(keep.t, keep.y);
  backward(drop.t, drop.y, {.retain_graph = false});
  REQUIRE(drop.w_grad.size() == keep.w_grad.size());
  for (std::size_t i = 0; i < keep.w_grad.size(); ++i) CHECK(drop.w_grad[i] == keep.w_grad[i]);
  for (std::size_t i = 0; i < keep.x.grad().size(); ++i) CHECK(drop.x.grad()[i] == keep.x.grad()[i]);
  // the retaining sweep keeps everything readable
  CHECK(keep.h.readable());
  CHECK(keep.h.value().size() == 4);
  // y, the leaves and the parameter keep their values; the ops in between are freed
  CHECK(drop.y.item() == keep.y.item());
  CHECK(drop.x.readable());
  CHECK(drop.x.value()[2] == 2.0);
  CHECK(drop.w[0] == 0.3);
  CHECK_FALSE(drop.h.readable());
  CHECK_FALSE(drop.a.readable());
  CHECK_THROWS_AS(drop.h.value(), value_error);
  CHECK_THROWS_WITH(drop.a.shape(), Catch::Contains("var::value") && Catch::Contains("'add'") &&
                                        Catch::Contains("retain_graph = false"));
  // recording on a freed value, or sweeping the freed graph again, names the problem
  CHECK_THROWS_WITH(ad::exp(drop.h), Catch::Contains("'tanh'") && Catch::Contains("freed"));
  CHECK_THROWS_WITH(backward(drop.t, drop.y), Catch::Contains("autodiff::backward") &&
                                                  Catch::Contains("freed") &&
                                                  Catch::Contains("retain_graph"));
  CHECK_THROWS_WITH(grad(drop.t, drop.y, {drop.x}),
                    Catch::Contains("autodiff::grad") && Catch::Contains("freed"));
  // the retained graph can be swept again and accumulates the same gradient once more
  const double g0 = keep.w_grad[0];
  backward(keep.t, keep.y);
  CHECK(keep.w_grad[0] == Approx(2 * g0).epsilon(1e-15));
}

TEST_CASE("backward with retain_graph = false through a create_graph gradient (double backprop)",
          "[autodiff]") {
  // loss = ‖∇ₓ f‖² with f = Σ tanh(x W)²: its parameter gradient needs the recorded backward
  auto run = [](bool retain, tensor<double>& wg) {
    tape t;
    tensor<double> w = tensor<double>::from({3, 2}, {0.3, -0.7, 1.1, 0.4, -0.2, 0.9});
    auto x = t.variable(tensor<double>::from({2, 3}, {0.5, -1.0, 2.0, 0.1, 0.7, -0.4}));
    auto f = ad::sum(ad::square(ad::tanh(ad::matmul(x, t.reference(w, &wg)))));
    auto gx = grad(t, f, {x}, {.create_graph = true})[0];
    auto loss = ad::sum_squares(gx);
    backward(t, loss, {.retain_graph = retain});
    CHECK(loss.readable());
    CHECK(gx.readable() == retain);
    return x.grad();
  };
  tensor<double> wk, wd;
  auto xk = run(true, wk);
  auto xd = run(false, wd);
  REQUIRE(wk.size() == 6);
  for (std::size_t i = 0; i < wk.size(); ++i) CHECK(wd[i] == wk[i]);
  for (std::size_t i = 0; i < xk.size(); ++i) CHECK(xd[i] == xk[i]);
}
