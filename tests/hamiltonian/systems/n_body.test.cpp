#include <hamgen/hamiltonian/systems/n_body.hpp>

#include "gradient_check.hpp"

#include <catch2/catch.hpp>

namespace ham = hamgen::ham;

TEST_CASE("planar n-body: gradients, conserved quantities' derivatives, sizes", "[hamiltonian][n_body]") {
  const ham::planar_n_body<4> h{.m = {1.0, 0.5, 2.0, 0.7}, .g = 1.3};
  STATIC_REQUIRE(ham::separable_hamiltonian<ham::planar_n_body<4>, Eigen::Vector<double, 8>>);
  Eigen::Vector<double, 8> q, p;
  q << 0, 0, 1, 0.2, -0.5, 1.1, 0.7, -0.9;
  p << 0.1, -0.2, 0.3, 0.0, -0.1, 0.4, 0.2, 0.1;
  CHECK(hamgen_test::gradient_error(h, q, p) < 1e-7);
  // Newton's third law: the forces sum to zero (momentum conservation), and the torques too.
  const Eigen::Vector<double, 8> f = h.potential_grad(q);
  double fx = 0, fy = 0, torque = 0;
  for (int i = 0; i < 4; ++i) {
    fx += f(2 * i);
    fy += f(2 * i + 1);
    torque += q(2 * i) * f(2 * i + 1) - q(2 * i + 1) * f(2 * i);
  }
  CHECK(std::abs(fx) < 1e-14);
  CHECK(std::abs(fy) < 1e-14);
  CHECK(std::abs(torque) < 1e-14);
  CHECK(h.momentum(p)(0) == Approx(0.5));
  CHECK(h.angular_momentum(q, p) ==
        Approx(0 + (1 * 0.0 - 0.2 * 0.3) + (-0.5 * 0.4 - 1.1 * -0.1) + (0.7 * 0.1 - -0.9 * 0.2)));
  const Eigen::VectorXd wrong = Eigen::VectorXd::Zero(6);
  CHECK_THROWS_WITH(h.potential_grad(wrong),
                    "planar_n_body<4>::potential_grad: state has 6 elements, expected 8");
  CHECK_THROWS_WITH((ham::planar_n_body<2>{.m = {1.0, -1.0}, .g = 1.0}.validate()),
                    Catch::Contains("mass 1"));
}
