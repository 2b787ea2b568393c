#include <catch2/catch.hpp>

#include <hamgen/nn/init.hpp>

using namespace hamgen;

TEST_CASE("init: bounds, moments and orthogonality", "[nn]") {
  generator g(21);
  tensor<double> w({200, 300});
  nn::init::xavier_uniform(w, g);
  const double b = std::sqrt(6.0 / 500);
  double mx = 0, s2 = 0;
  for (double v : w) {
    mx = std::max(mx, std::abs(v));
    s2 += v * v;
  }
  CHECK(mx <= b);
  CHECK(s2 / double(w.size()) == Approx(b * b / 3).epsilon(0.03));
  nn::init::kaiming_normal(w, g, 0.0, nn::init::fan_mode::fan_in, "relu");
  s2 = 0;
  for (double v : w) s2 += v * v;
  CHECK(s2 / double(w.size()) == Approx(2.0 / 300).epsilon(0.03));
  tensor<double> c({8, 4, 3, 3});
  CHECK(nn::init::fans(c).in == 36);
  CHECK(nn::init::fans(c).out == 72);
  for (auto shp : {shape{5, 9}, shape{9, 5}}) {
    tensor<double> q(shp);
    nn::init::orthogonal(q, g, 2.0);
    auto m = q.as_matrix();
    Eigen::MatrixXd gram =
        shp[0] < shp[1] ? Eigen::MatrixXd(m * m.transpose()) : Eigen::MatrixXd(m.transpose() * m);
    CHECK((gram - 4.0 * Eigen::MatrixXd::Identity(gram.rows(), gram.cols())).norm() < 1e-12);
  }
  tensor<float> z({3}, 1.f);
  nn::init::zeros(z);
  CHECK(z[2] == 0.f);
  CHECK_THROWS_AS(nn::init::gain("swish"), value_error);
}
