#include <catch2/catch.hpp>

#include "layer_check.hpp"
#include <hamgen/nn/rnn.hpp>

using namespace hamgen;

namespace {
double sig(double v) { return 1 / (1 + std::exp(-v)); }
// straightforward single-layer, single-direction reference (batch first)
template <class P>
std::vector<double> reference(bool lstm, const tensor<double>& x, const P& w_ih, const P& w_hh, const P& b_ih,
                              const P& b_hh, std::size_t H, bool reverse) {
  const std::size_t N = x.dim(0), S = x.dim(1), I = x.dim(2), G = lstm ? 4 : 3;
  std::vector<double> y(N * S * H), h(N * H, 0.0), c(N * H, 0.0);
  for (std::size_t step = 0; step < S; ++step) {
    const std::size_t t = reverse ? S - 1 - step : step;
    std::vector<double> hn(N * H), cn(N * H);
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t j = 0; j < H; ++j) {
        double a[4], hh[4];
        for (std::size_t gi = 0; gi < G; ++gi) {
          const std::size_t row = gi * H + j;
          a[gi] = b_ih.value[row];
          hh[gi] = b_hh.value[row];
          for (std::size_t k = 0; k < I; ++k) a[gi] += w_ih.value(row, k) * x(n, t, k);
          for (std::size_t k = 0; k < H; ++k) hh[gi] += w_hh.value(row, k) * h[n * H + k];
        }
        if (lstm) {
          const double i = sig(a[0] + hh[0]), f = sig(a[1] + hh[1]), g = std::tanh(a[2] + hh[2]),
                       o = sig(a[3] + hh[3]);
          cn[n * H + j] = f * c[n * H + j] + i * g;
          hn[n * H + j] = o * std::tanh(cn[n * H + j]);
        } else {
          const double r = sig(a[0] + hh[0]), z = sig(a[1] + hh[1]), nv = std::tanh(a[2] + r * hh[2]);
          hn[n * H + j] = (1 - z) * nv + z * h[n * H + j];
        }
      }
    h = hn;
    c = cn;
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t j = 0; j < H; ++j) y[(n * S + t) * H + j] = h[n * H + j];
  }
  return y;
}
} // namespace

TEST_CASE("lstm and gru match a reference implementation; gradients first and second order", "[nn][rnn]") {
  generator g(5);
  const std::size_t H = 3;
  for (bool is_lstm : {true, false}) {
    INFO((is_lstm ? "lstm" : "gru"));
    auto x = normal<double>({2, 4, 3}, g);
    auto check_all = [&](auto& layer) {
      std::vector<nn::parameter<double>*> ps;
      layer.visit_parameters([&](const std::string&, auto& p) { ps.push_back(&p); }, "");
      tape t;
      auto y = layer.forward(t, t.constant(x));
      REQUIRE(y.shape() == shape{2, 4, 2 * H});
      for (int d = 0; d < 2; ++d) {
        auto ref =
            reference(is_lstm, x, *ps[4 * d], *ps[4 * d + 1], *ps[4 * d + 2], *ps[4 * d + 3], H, d == 1);
        for (std::size_t n = 0; n < 2; ++n)
          for (std::size_t s = 0; s < 4; ++s)
            for (std::size_t j = 0; j < H; ++j)
              CHECK(y.value()(n, s, d * H + j) == Approx(ref[(n * 4 + s) * H + j]).epsilon(1e-12));
      }
      CHECK_THROWS_WITH(layer.forward(t, t.constant(normal<double>({2, 4, 5}, g))),
                        Catch::Contains("(input=3, hidden=3)") && Catch::Contains("[2, 4, 5]"));
    };
    nn::rnn_options o1{.input = 3, .hidden = H, .layers = 1, .batch_first = true, .bidirectional = true};
    nn::rnn_options o{.input = 3, .hidden = H, .layers = 2, .batch_first = true, .bidirectional = true};
    if (is_lstm) {
      nn::lstm<double> l1(o1, g);
      check_all(l1);
      nn::lstm<double> l(o, g);
      std::vector<std::string> names;
      l.visit_parameters([&](const std::string& n, auto&) { names.push_back(n); }, "");
      CHECK(names[4] == "weight_ih_l0_reverse");
      CHECK(names[8] == "weight_ih_l1");
      for (bool second : {false, true}) {
        auto r = test::check_layer(l, x, second);
        INFO(r.report);
        CHECK(r.ok);
      }
    } else {
      nn::gru<double> l1(o1, g);
      check_all(l1);
      nn::gru<double> l(o, g);
      for (bool second : {false, true}) {
        auto r = test::check_layer(l, x, second);
        INFO(r.report);
        CHECK(r.ok);
      }
    }
  }
  // sequence-first layout gives the permuted result of batch-first (same parameters)
  generator g1(7), g2(7);
  nn::gru<double> a({.input = 2, .hidden = 2, .batch_first = true}, g1);
  nn::gru<double> b({.input = 2, .hidden = 2, .batch_first = false}, g2);
  auto xb = normal<double>({3, 5, 2}, g);
  tape t;
  auto yb = a.forward(t, t.constant(xb));
  auto ys = b.forward(t, autodiff::permute(t.constant(xb), {1, 0, 2}));
  REQUIRE(ys.shape() == shape{5, 3, 2});
  for (std::size_t n = 0; n < 3; ++n)
    for (std::size_t s = 0; s < 5; ++s) CHECK(ys.value()(s, n, 1) == yb.value()(n, s, 1));
}
