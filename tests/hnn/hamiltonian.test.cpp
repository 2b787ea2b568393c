// Tests for hamgen/hnn/hamiltonian.hpp: the vector field by double backprop (partial derivatives,
// second-order gradcheck), fused grad_part == engine for both models, separability, errors.
#include <catch2/catch.hpp>

#include <hamgen/autodiff/gradcheck.hpp>
#include <hamgen/hnn/hamiltonian.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

TEST_CASE("hnn::vector_field: gradcheck of a loss on the field w.r.t. the state (second order)",
          "[hnn][hamiltonian]") {
  generator g(1);
  hnn::mlp_hamiltonian<double> h({.n = 2, .hidden = {6, 6}, .act = hnn::activation::tanh}, g);
  tensor<double> q({3, 2}), p({3, 2});
  for (auto& v : q) v = g.normal();
  for (auto& v : p) v = g.normal();
  auto r = ad::gradcheck(
      [&](tape& t, const std::vector<var<double>>& x) {
        auto [dq, dp] = hnn::vector_field(t, h, x[0], x[1]);
        return ad::add(ad::sum_squares(dq), ad::sum(ad::square(dp)));
      },
      {q, p});
  INFO(r.report);
  REQUIRE(r.ok);
}

TEST_CASE("hnn::vector_field: partial derivatives even when p depends on q", "[hnn][hamiltonian]") {
  generator g(2);
  hnn::mlp_hamiltonian<double> h({.n = 1, .hidden = {5}, .act = hnn::activation::softplus}, g);
  tape t;
  auto q = t.variable(tensor<double>::from({1, 1}, {0.3}));
  auto p_dep = ad::add(ad::scale(q, 2.0), t.constant(tensor<double>::from({1, 1}, {0.1}))); // p = 2q + 0.1
  auto p_leaf = t.variable(tensor<double>::from({1, 1}, {0.7}));
  auto a = hnn::vector_field(t, h, q, p_dep).second;
  auto b = hnn::vector_field(t, h, q, p_leaf).second;
  tensor<double> qq = tensor<double>::from({1, 1}, {0.3}), pp = tensor<double>::from({1, 1}, {0.7});
  // finite differences of H in q at fixed p = 0.7
  auto H = [&](double qv, double pv) {
    tape s;
    return h
        .energy(s, s.constant(tensor<double>::from({1, 1}, {qv})),
                s.constant(tensor<double>::from({1, 1}, {pv})))
        .item();
  };
  REQUIRE(-a.item() == Approx((H(0.3 + 1e-6, 0.7) - H(0.3 - 1e-6, 0.7)) / 2e-6).epsilon(1e-7));
  REQUIRE(a.item() == Approx(b.item()).epsilon(1e-13));
}

TEST_CASE("hnn Hamiltonians: fused grad_part equals the engine field; separable field is separable",
          "[hnn][hamiltonian]") {
  generator g(3);
  hnn::separable_hamiltonian<double> h({.n = 2, .hidden = {7, 7}, .act = hnn::activation::tanh}, g);
  tensor<double> q({2, 2}), p({2, 2});
  for (auto& v : q) v = g.normal();
  for (auto& v : p) v = g.normal();
  tape t;
  auto [dq, dp] = hnn::vector_field(t, h, t.variable(q), t.variable(p));
  hnn::detail::mat<double> s(4, 2), gq(2, 2), gp(2, 2);
  for (Eigen::Index b = 0; b < 2; ++b)
    for (Eigen::Index i = 0; i < 2; ++i) {
      s(i, b) = q(std::size_t(b), std::size_t(i));
      s(2 + i, b) = p(std::size_t(b), std::size_t(i));
    }
  hnn::separable_hamiltonian<double>::cache c;
  h.prepare(c, 2, hnn::part::q);
  h.grad_part(c, s, hnn::part::q, gq);
  h.prepare(c, 2, hnn::part::p);
  h.grad_part(c, s, hnn::part::p, gp);
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t i = 0; i < 2; ++i) {
      REQUIRE(gp(Eigen::Index(i), Eigen::Index(b)) == Approx(dq.value()(b, i)).epsilon(1e-13));
      REQUIRE(-gq(Eigen::Index(i), Eigen::Index(b)) == Approx(dp.value()(b, i)).epsilon(1e-13));
    }
  // ∂H/∂q does not depend on p for the separable model
  tensor<double> p2 = p;
  for (auto& v : p2) v += 1.0;
  auto dp2 = hnn::vector_field(t, h, t.variable(q), t.variable(p2)).second;
  for (std::size_t i = 0; i < 4; ++i) REQUIRE(dp2.value()[i] == Approx(dp.value()[i]).epsilon(1e-14));
  // errors
  auto c0 = t.constant(q);
  REQUIRE_THROWS_WITH(hnn::vector_field(t, h, c0, c0), Catch::Contains("hnn::vector_field"));
  auto bad = t.variable(tensor<double>::zeros({2, 3}));
  REQUIRE_THROWS_WITH(h.energy(t, bad, bad), Catch::Contains("separable_hamiltonian::energy"));
  REQUIRE(hnn::learned_hamiltonian<hnn::mlp_hamiltonian<float>>);
}
