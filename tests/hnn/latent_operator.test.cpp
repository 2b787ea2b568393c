// Tests for hamgen/hnn/latent_operator.hpp: expm op gradient (Fréchet adjoint) by finite differences,
// layer gradients w.r.t. W and the reference state (both variants), symplecticity, energy
// conservation, forward/backward-in-time consistency.
#include <catch2/catch.hpp>

#include "hnn_fixtures.hpp"

#include <hamgen/autodiff/gradcheck.hpp>
#include <hamgen/hnn/latent_operator.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

using hamgen_test::densify;

TEST_CASE("hnn::expm: value and first-order gradient through the Fréchet adjoint", "[hnn][latent]") {
  tape t;
  auto a = t.variable(tensor<double>::from({2, 2}, {0.0, 1.0, -1.0, 0.0}));
  auto e = hnn::expm(ad::scale(a, 0.7));
  REQUIRE(e.value()(0, 0) == Approx(std::cos(0.7)));
  REQUIRE(e.value()(0, 1) == Approx(std::sin(0.7)));
  generator g(1);
  tensor<double> m({4, 4});
  for (auto& v : m) v = 0.6 * g.normal();
  auto r = ad::gradcheck(
      [](tape&, const std::vector<var<double>>& v) { return ad::sum(ad::square(hnn::expm(v[0]))); }, {m});
  INFO(r.report);
  REQUIRE(r.ok);
}

TEST_CASE("hnn::latent_operator: gradcheck w.r.t. W and the reference state, both variants",
          "[hnn][latent]") {
  for (auto variant : {hnn::operator_variant::hamiltonian, hnn::operator_variant::skew}) {
    generator g(2);
    hnn::latent_operator<double> op({.blocks = 2, .d = 2, .variant = variant, .init_scale = 0.5}, g);
    tensor<double> s({3, 8});
    for (auto& v : s) v = g.normal();
    const std::vector<tensor<double>> inputs{s, op.weights[0].value, op.weights[1].value};
    auto r = ad::gradcheck(
        [&](tape& t, const std::vector<var<double>>& v) {
          auto out = op.forward(t, v[0], 5, 2, 0.3);
          auto e = op.energy(t, ad::reshape(ad::slice(out, 0, 4, 5), shape{3, 8}));
          return ad::add(ad::sum(ad::square(out)), ad::sum(e));
        },
        {inputs[0]});
    INFO(r.report);
    REQUIRE(r.ok);
    // parameter gradients: backward() into W vs central differences of the same loss
    auto loss = [&](tape& t) {
      auto sv = t.constant(s);
      auto out = op.forward(t, sv, 5, 2, 0.3);
      return ad::add(ad::sum(ad::square(out)),
                     ad::sum(op.energy(t, ad::reshape(ad::slice(out, 0, 0, 1), shape{3, 8}))));
    };
    for (auto& w : op.weights) w.zero_grad();
    {
      tape t;
      backward(t, loss(t));
    }
    densify(op);
    double worst = 0;
    for (auto& w : op.weights)
      for (std::size_t i = 0; i < w.value.size(); ++i) {
        const double x0 = w.value[i];
        tape t1, t2;
        w.value[i] = x0 + 1e-6;
        const double lp = loss(t1).item();
        w.value[i] = x0 - 1e-6;
        const double lm = loss(t2).item();
        w.value[i] = x0;
        worst = std::max(worst, std::abs((lp - lm) / 2e-6 - w.grad[i]) / (1 + std::abs(w.grad[i])));
      }
    INFO("worst relative error " << worst);
    REQUIRE(worst < 1e-6);
  }
}

TEST_CASE("hnn::latent_operator: symplectic flow, conserved block energies, time reversal", "[hnn][latent]") {
  for (auto variant : {hnn::operator_variant::hamiltonian, hnn::operator_variant::skew}) {
    generator g(3);
    hnn::latent_operator<double> op({.blocks = 2, .d = 2, .variant = variant, .init_scale = 0.7}, g);
    tape t;
    tensor<double> s({4, 8});
    for (auto& v : s) v = g.normal();
    auto sv = t.constant(s);
    auto out = op.forward(t, sv, 7, 3, 0.25); // τ from −0.75 to +0.75
    auto e_ref = op.energy(t, sv);
    for (std::size_t j = 0; j < 7; ++j) {
      auto e = op.energy(t, ad::reshape(ad::slice(out, 0, j, j + 1), shape{4, 8}));
      for (std::size_t i = 0; i < e.size(); ++i)
        REQUIRE(e.value()[i] == Approx(e_ref.value()[i]).epsilon(1e-11).margin(1e-12));
    }
    for (std::size_t i = 0; i < s.size(); ++i) REQUIRE(out.value()[3 * 32 + i] == s[i]);
    // frame 3 + 2 rolled back by −2 steps returns to the reference
    auto s5 = ad::reshape(ad::slice(out, 0, 5, 6), shape{4, 8});
    auto back = op.forward(t, s5, 3, 2, 0.25); // τ = −0.5, −0.25, 0
    for (std::size_t i = 0; i < s.size(); ++i)
      REQUIRE(back.value()[i] == Approx(s[i]).epsilon(1e-12).margin(1e-12));
    // exp(τH)ᵀ J exp(τH) = J
    auto h = op.generator_matrices(t, 0).second;
    auto e = hnn::expm(ad::scale(h, 0.8));
    Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>> em(e.value().data());
    Eigen::Matrix4d j = Eigen::Matrix4d::Zero();
    j.topRightCorner(2, 2).setIdentity();
    j.bottomLeftCorner(2, 2) = -Eigen::Matrix2d::Identity();
    REQUIRE((em.transpose() * j * em - j).norm() < 1e-12);
    if (variant == hnn::operator_variant::skew)
      REQUIRE((em.transpose() * em - Eigen::Matrix4d::Identity()).norm() < 1e-12);
  }
  hnn::latent_operator<double> op({.blocks = 1, .d = 1});
  tape t;
  auto bad = t.constant(tensor<double>::zeros({2, 3}));
  REQUIRE_THROWS_WITH(op.forward(t, bad, 2, 0, 0.1), Catch::Contains("hnn::latent_operator::forward"));
}
