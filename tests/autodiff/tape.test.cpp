#include <catch2/catch.hpp>

#include <limits>

#include <hamgen/autodiff/functions.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

TEST_CASE("tape: leaves, recording, no_grad, clear", "[autodiff]") {
  tape t;
  auto c = t.constant(tensor<double>({2}, 1.0));
  auto v = t.variable(tensor<double>({2}, 2.0));
  CHECK_FALSE(c.requires_grad());
  CHECK(v.requires_grad());
  CHECK_FALSE(ad::mul(c, c).requires_grad());
  auto y = ad::mul(c, v);
  CHECK(y.requires_grad());
  CHECK(std::string(y.op()) == "mul");
  CHECK(y.id() > v.id());
  {
    ad::no_grad_guard ng(t);
    auto z = ad::mul(v, v);
    CHECK_FALSE(z.requires_grad());
    CHECK(z.value()[0] == 4.0);
  }
  CHECK(t.grad_enabled());
  tensor<double> w({2}, 3.0), gw = tensor<double>::zeros({2});
  auto r = t.reference(w, &gw);
  backward(t, ad::sum(ad::mul(r, v)));
  CHECK(gw[0] == 2.0);
  CHECK(&r.value() == &w); // no copy
  const auto n = t.size();
  CHECK(n > 5);
  t.clear();
  CHECK(t.size() == 0);
  auto again = t.variable(tensor<double>({1}, 1.0));
  CHECK(again.id() == 0);
}

TEST_CASE("anomaly mode names the first op that produced NaN or Inf", "[autodiff]") {
  tape t;
  auto x = t.variable(tensor<double>::from({3}, {1.0, -1.0, 2.0}));
  auto y = ad::exp(x);
  CHECK_NOTHROW(ad::log(x)); // NaN silently without anomaly mode
  ad::anomaly_guard guard(t);
  CHECK_THROWS_AS(ad::sqrt(ad::affine(y, -1.0, 0.0)), value_error);
  CHECK_THROWS_WITH(ad::log(ad::sin(x)),
                    Catch::Contains("'log'") && Catch::Contains("NaN") && Catch::Contains("element 1"));
  CHECK_THROWS_WITH(ad::reciprocal(ad::affine(x, 1.0, 1.0)), // 1/(x+1): Inf at element 1
                    Catch::Contains("'reciprocal'") && Catch::Contains("Inf") &&
                        Catch::Contains("element 1"));
}

TEST_CASE("anomaly mode: Inf from reciprocal and NaN in backward are reported by op", "[autodiff]") {
  tape t;
  ad::anomaly_guard guard(t);
  auto x = t.variable(tensor<double>::from({2}, {0.0, 4.0}));
  CHECK_THROWS_WITH(ad::reciprocal(x), Catch::Contains("'reciprocal'") && Catch::Contains("Inf"));
  auto s = ad::sqrt(x); // finite forward: sqrt(0) = 0, but its derivative 1/(2·0) is Inf
  CHECK_THROWS_WITH(backward(t, ad::sum(s)), Catch::Contains("anomaly") && Catch::Contains("reciprocal"));
  tape t2;
  ad::anomaly_guard g2(t2);
  CHECK_THROWS_WITH(t2.variable(tensor<double>({1}, std::numeric_limits<double>::quiet_NaN())),
                    Catch::Contains("'variable'"));
}

TEST_CASE("record_inplace: relu_inplace overwrites a fresh op result and nothing else", "[autodiff]") {
  tape t;
  tensor<double> w = tensor<double>::from({2, 2}, {1.0, -2.0, 0.5, 1.0}), wg;
  auto x = t.variable(tensor<double>::from({1, 2}, {1.0, 1.0}));
  auto h = ad::matmul(x, t.reference(w, &wg)); // [1.5, -1]
  auto r = ad::relu_inplace(h);
  CHECK(r.value()[0] == 1.5);
  CHECK(r.value()[1] == 0.0);
  CHECK(r.op() == std::string("relu_inplace"));
  // the overwritten var can be neither read nor used again
  CHECK_FALSE(h.readable());
  CHECK_THROWS_WITH(h.value(), Catch::Contains("overwritten in place") && Catch::Contains("'relu_inplace'"));
  CHECK_THROWS_WITH(ad::exp(h), Catch::Contains("'matmul'") && Catch::Contains("overwritten in place"));
  // a leaf, a value already read by an op, and an op whose backward reads its output are refused
  CHECK_THROWS_WITH(ad::relu_inplace(x), Catch::Contains("relu_inplace") && Catch::Contains("leaf"));
  auto m = ad::matmul(x, t.reference(w, &wg));
  auto used = ad::exp(m);
  CHECK_THROWS_WITH(ad::relu_inplace(m), Catch::Contains("already been read"));
  CHECK_THROWS_WITH(ad::relu_inplace(used),
                    Catch::Contains("backward of op 'exp'") && Catch::Contains("reads its output"));
  CHECK(used.readable()); // a refused in-place op leaves its argument untouched
  CHECK_THROWS_WITH(ad::relu_inplace(r), Catch::Contains("reads its output")); // relu_inplace reads y
  CHECK_THROWS_WITH(ad::leaky_relu_inplace(ad::matmul(x, t.reference(w, &wg)), -0.5),
                    Catch::Contains("slope") && Catch::Contains("negative"));
  // without gradients (eval / no_grad) an op result can be overwritten as well
  ad::no_grad_guard off(t);
  auto e = ad::leaky_relu_inplace(ad::matmul(x, t.reference(w, &wg)), 0.1);
  CHECK(e.value()[1] == Approx(-0.1));
  CHECK_FALSE(e.requires_grad());
}
