// Finite-difference gradient checks (double) of every differentiable op, first and second order.
#include <catch2/catch.hpp>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/autodiff/gradcheck.hpp>

using namespace hamgen;
using namespace hamgen::autodiff;
using vd = var<double>;
using td = tensor<double>;

namespace {
td rnd(shape s, std::uint64_t seed, double lo = -1, double hi = 1) {
  generator g(seed);
  return uniform<double>(s, g, lo, hi);
}
// checks f and the gradient of ‖∇ₓ Σ w f‖² (second order) w.r.t. all inputs
template <class F>
void check_op(const char* name, F f, std::vector<td> in, bool second = true) {
  INFO(name);
  auto r = gradcheck(f, in);
  INFO(r.report);
  CHECK(r.ok);
  if (!second) return;
  auto g2 = [&](tape& t, const std::vector<vd>& xs) {
    vd y = f(t, xs);
    generator gw(7);
    vd l = sum(mul(y, t.constant(normal<double>(y.shape(), gw))));
    auto gs = grad(t, l, std::span<const vd>(xs), {.create_graph = true});
    vd acc = sum_squares(gs[0]);
    for (std::size_t k = 1; k < gs.size(); ++k) acc = add(acc, sum_squares(gs[k]));
    return acc;
  };
  auto r2 = gradcheck(g2, in);
  INFO("second order: " << r2.report);
  CHECK(r2.ok);
}
} // namespace

TEST_CASE("elementwise ops: first and second order gradients", "[autodiff]") {
  const shape s{3, 4};
  auto x = rnd(s, 1), y = rnd(s, 2), pos = rnd(s, 3, 0.5, 2.0);
  check_op("add", [](tape&, const std::vector<vd>& v) { return mul(add(v[0], v[1]), v[0]); }, {x, y});
  check_op("sub", [](tape&, const std::vector<vd>& v) { return mul(sub(v[0], v[1]), v[1]); }, {x, y});
  check_op("mul", [](tape&, const std::vector<vd>& v) { return mul(v[0], v[1]); }, {x, y});
  check_op("div", [](tape&, const std::vector<vd>& v) { return div(v[0], v[1]); }, {x, pos});
  check_op("affine", [](tape&, const std::vector<vd>& v) { return square(affine(v[0], 1.5, -0.3)); }, {x});
  check_op("exp", [](tape&, const std::vector<vd>& v) { return exp(v[0]); }, {x});
  check_op("log", [](tape&, const std::vector<vd>& v) { return log(v[0]); }, {pos});
  check_op("reciprocal", [](tape&, const std::vector<vd>& v) { return reciprocal(v[0]); }, {pos});
  check_op("sqrt", [](tape&, const std::vector<vd>& v) { return sqrt(v[0]); }, {pos});
  check_op("square", [](tape&, const std::vector<vd>& v) { return square(v[0]); }, {x});
  check_op("tanh", [](tape&, const std::vector<vd>& v) { return tanh(v[0]); }, {x});
  check_op("sigmoid", [](tape&, const std::vector<vd>& v) { return sigmoid(v[0]); }, {x});
  check_op("softplus", [](tape&, const std::vector<vd>& v) { return softplus(v[0]); }, {x});
  check_op("sin", [](tape&, const std::vector<vd>& v) { return sin(v[0]); }, {x});
  check_op("cos", [](tape&, const std::vector<vd>& v) { return cos(v[0]); }, {x});
  // piecewise-linear ops: second derivative is zero a.e.; check it through a product
  check_op("relu", [](tape&, const std::vector<vd>& v) { return mul(relu(v[0]), v[1]); }, {x, y});
  check_op("leaky_relu", [](tape&, const std::vector<vd>& v) { return mul(leaky_relu(v[0], 0.2), v[1]); },
           {x, y});
  check_op("abs", [](tape&, const std::vector<vd>& v) { return mul(abs(v[0]), v[1]); }, {x, y});
  // in-place activations on a fresh op result (mul's backward does not read its output)
  check_op("relu_inplace",
           [](tape&, const std::vector<vd>& v) { return mul(relu_inplace(mul(v[0], v[1])), v[1]); }, {x, y});
  check_op(
      "leaky_relu_inplace",
      [](tape&, const std::vector<vd>& v) { return mul(leaky_relu_inplace(mul(v[0], v[1]), 0.2), v[1]); },
      {x, y});
  // the fused elementwise backward ops, differentiated directly (third order of tanh / sigmoid)
  check_op("tanh_backward",
           [](tape&, const std::vector<vd>& v) { return autodiff::detail::tanh_backward(v[0], v[1]); },
           {x, y});
  check_op("sigmoid_backward",
           [](tape&, const std::vector<vd>& v) { return autodiff::detail::sigmoid_backward(v[0], v[1]); },
           {x, y});
  check_op("scaled_mul",
           [](tape&, const std::vector<vd>& v) { return autodiff::detail::scaled_mul(v[0], v[1], 2.5); },
           {x, y});
  check_op("elu", [](tape&, const std::vector<vd>& v) { return elu(v[0], 0.7); }, {x});
}

TEST_CASE("in-place activations equal the out-of-place ones, values and gradients of every order",
          "[autodiff]") {
  auto x0 = rnd({4, 3}, 11), w0 = rnd({3, 5}, 12);
  for (double slope : {0.0, 0.2}) {
    auto run = [&](bool inplace) {
      tape t;
      auto x = t.variable(x0);
      auto w = t.variable(w0);
      auto h = matmul(x, w);
      auto a = inplace ? leaky_relu_inplace(h, slope) : leaky_relu(h, slope);
      auto f = sum(mul(a, a));
      auto gx = grad(t, f, {x}, {.create_graph = true})[0];
      auto gw = grad(t, sum_squares(gx), {w})[0];
      return std::vector<td>{a.value(), gx.value(), gw.value()};
    };
    auto p = run(true), q = run(false);
    for (std::size_t k = 0; k < p.size(); ++k)
      for (std::size_t i = 0; i < p[k].size(); ++i) CHECK(p[k][i] == q[k][i]);
  }
}

TEST_CASE("matmul with all transpose combinations", "[autodiff]") {
  auto a = rnd({3, 4}, 4), at = rnd({4, 3}, 5), b = rnd({4, 5}, 6), bt = rnd({5, 4}, 7);
  check_op("nn", [](tape&, const std::vector<vd>& v) { return tanh(matmul(v[0], v[1])); }, {a, b});
  check_op("tn", [](tape&, const std::vector<vd>& v) { return tanh(matmul(v[0], v[1], true, false)); },
           {at, b});
  check_op("nt", [](tape&, const std::vector<vd>& v) { return tanh(matmul(v[0], v[1], false, true)); },
           {a, bt});
  check_op("tt", [](tape&, const std::vector<vd>& v) { return tanh(matmul(v[0], v[1], true, true)); },
           {at, bt});
}

TEST_CASE("reductions, broadcasts and shape ops", "[autodiff]") {
  auto x = rnd({2, 3, 4}, 8), b = rnd({3}, 9);
  check_op("sum", [](tape&, const std::vector<vd>& v) { return square(sum(v[0])); }, {x});
  check_op("mean", [](tape&, const std::vector<vd>& v) { return square(mean(v[0])); }, {x});
  check_op("sum_except", [](tape&, const std::vector<vd>& v) { return square(sum_except(v[0], 1)); }, {x});
  check_op("sum_axis", [](tape&, const std::vector<vd>& v) { return square(sum_axis(v[0], 2)); }, {x});
  check_op("mean_axis", [](tape&, const std::vector<vd>& v) { return square(mean_axis(v[0], 0)); }, {x});
  check_op("bias_add", [](tape&, const std::vector<vd>& v) { return tanh(bias_add(v[0], v[1], 1)); }, {x, b});
  check_op("channel_mul", [](tape&, const std::vector<vd>& v) { return tanh(channel_mul(v[0], v[1], 1)); },
           {x, b});
  check_op("broadcast_axis",
           [](tape&, const std::vector<vd>& v) { return mul(broadcast_axis(v[1], v[0].shape(), 1), v[0]); },
           {x, b});
  check_op("reshape", [](tape&, const std::vector<vd>& v) { return tanh(reshape(v[0], {6, 4})); }, {x});
  check_op("flatten", [](tape&, const std::vector<vd>& v) { return tanh(flatten(v[0])); }, {x});
  check_op("permute", [](tape&, const std::vector<vd>& v) { return tanh(permute(v[0], {2, 0, 1})); }, {x});
  check_op("slice", [](tape&, const std::vector<vd>& v) { return tanh(slice(v[0], 1, 1, 3)); }, {x});
  check_op("concat",
           [](tape&, const std::vector<vd>& v) {
             return tanh(concat(std::vector<vd>{v[0], square(v[0]), v[1]}, 2));
           },
           {x, rnd({2, 3, 2}, 10)});
  check_op("split",
           [](tape&, const std::vector<vd>& v) {
             auto p = split(v[0], 2, {1, 3});
             return mul(tanh(sum_axis(p[0], 2)), sum_axis(p[1], 2));
           },
           {x});
}

TEST_CASE("ops values match direct computation", "[autodiff]") {
  tape t;
  auto a = t.variable(td::from({2, 2}, {1, 2, 3, 4}));
  auto b = t.variable(td::from({2, 2}, {5, 6, 7, 8}));
  auto c = matmul(a, b);
  CHECK(c.value()(0, 0) == 19);
  CHECK(c.value()(1, 1) == 50);
  auto s = sum(c);
  CHECK(s.item() == 19 + 22 + 43 + 50);
  backward(t, s);
  // ∂Σ(AB)/∂A = 1 Bᵀ: row sums of B
  CHECK(a.grad()(0, 0) == 11);
  CHECK(a.grad()(1, 1) == 15);
  CHECK(b.grad()(0, 0) == 4);
}

TEST_CASE("shape mismatch messages name the op and both shapes", "[autodiff]") {
  tape t;
  auto a = t.variable(td({2, 3}, 1.0));
  auto b = t.variable(td({3, 2}, 1.0));
  CHECK_THROWS_AS(add(a, b), shape_error);
  CHECK_THROWS_WITH(add(a, b),
                    Catch::Contains("add") && Catch::Contains("[2, 3]") && Catch::Contains("[3, 2]"));
  CHECK_THROWS_WITH(matmul(a, a), Catch::Contains("matmul") && Catch::Contains("[2, 3]"));
}
