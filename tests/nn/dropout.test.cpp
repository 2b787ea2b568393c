#include <catch2/catch.hpp>

#include "layer_check.hpp"
#include <hamgen/nn/dropout.hpp>

using namespace hamgen;

TEST_CASE("dropout: train-mode masks, scaling, eval identity, gradient", "[nn]") {
  nn::dropout d({.p = 0.25, .seed = 7});
  tape t;
  auto x = t.constant(tensor<double>({200, 50}, 1.0));
  auto y = d.forward(t, x);
  std::size_t zeros = 0;
  for (double v : y.value()) {
    if (v == 0)
      ++zeros;
    else
      CHECK(v == Approx(1 / 0.75));
  }
  CHECK(double(zeros) / 10000 == Approx(0.25).margin(0.02));
  // a second call draws another mask; a fresh layer with the same seed reproduces the first
  auto y2 = d.forward(t, x);
  nn::dropout d2({.p = 0.25, .seed = 7});
  auto y3 = d2.forward(t, x);
  bool same12 = true, same13 = true;
  for (std::size_t i = 0; i < y.size(); ++i) {
    same12 = same12 && y.value()[i] == y2.value()[i];
    same13 = same13 && y.value()[i] == y3.value()[i];
  }
  CHECK_FALSE(same12);
  CHECK(same13);
  d.train(false);
  CHECK(d.forward(t, x).get_node() == x.get_node());
  d.train(true);
  generator g(1);
  auto r = test::check_layer(d, normal<double>({4, 6}, g));
  INFO(r.report);
  CHECK(r.ok);
}
