// hamgen/nn/rnn.hpp
//
// Represents: nn::lstm and nn::gru, multi-layer and optionally bidirectional recurrent layers
//             with PyTorch's equations, gate order (LSTM i,f,g,o; GRU r,z,n), parameter names
//             (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse) and default
//             initialisation U(±1/√hidden). Zero initial states; forward returns the output
//             sequence [N, S, D·H] (batch_first) or [S, N, D·H].
//             One tape node per layer and direction: the forward and the (non-recording)
//             backward run the fused kernels of backend/cpu/rnn.hpp (one GEMM for all input
//             projections, one per step for the recurrence, backward through time). Under
//             create_graph the backward is taken through a rebuild of the layer from
//             differentiable ops (composite_backward), so gradients of gradients exist too.
// Requires:   input rank 3 with `input` features last.
// Ensures:    shape_error "lstm(input=4, hidden=3)::forward: input has shape [..], expected
//             [N, S, 4]" (or [S, N, 4]).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <hamgen/autodiff/functions.hpp>
#include <hamgen/backend/cpu/rnn.hpp>
#include <hamgen/nn/module.hpp>

namespace hamgen::nn {

struct rnn_options {
  std::size_t input = 0;
  std::size_t hidden = 0;
  std::size_t layers = 1;
  bool bias = true;
  bool batch_first = false;
  bool bidirectional = false;
};
using lstm_options = rnn_options;
using gru_options = rnn_options;

enum class rnn_cell { lstm, gru };

namespace detail {

/// One direction of one layer rebuilt from differentiable ops; x is [N, S, I] (batch first).
template <class T, class D>
var<T, D> rnn_composite(rnn_cell cell, const std::vector<var<T, D>>& in, bool reverse, std::size_t hidden) {
  namespace ad = hamgen::autodiff;
  const var<T, D>& x = in[0];
  const std::size_t n = x.shape()[0], s = x.shape()[1], i_sz = x.shape()[2], H = hidden;
  const std::size_t G = cell == rnn_cell::lstm ? 4 : 3;
  auto xp = ad::matmul(ad::reshape(x, shape{n * s, i_sz}), in[1], false, true);
  if (in.size() > 3) xp = ad::bias_add(xp, in[3], 1);
  xp = ad::reshape(xp, shape{n, s, G * H});
  tape& t = x.get_tape();
  var<T, D> h = t.constant(tensor<T, D>::zeros(shape{n, H})), c = h;
  std::vector<var<T, D>> outs(s);
  for (std::size_t step = 0; step < s; ++step) {
    const std::size_t k = reverse ? s - 1 - step : step;
    auto xt = ad::reshape(ad::slice(xp, 1, k, k + 1), shape{n, G * H});
    auto hp = ad::matmul(h, in[2], false, true);
    if (in.size() > 4) hp = ad::bias_add(hp, in[4], 1);
    if (cell == rnn_cell::lstm) {
      auto a = ad::add(xt, hp);
      auto ig = ad::sigmoid(ad::slice(a, 1, 0, H)), fg = ad::sigmoid(ad::slice(a, 1, H, 2 * H));
      auto gg = ad::tanh(ad::slice(a, 1, 2 * H, 3 * H)), og = ad::sigmoid(ad::slice(a, 1, 3 * H, 4 * H));
      c = ad::add(ad::mul(fg, c), ad::mul(ig, gg));
      h = ad::mul(og, ad::tanh(c));
    } else {
      auto r = ad::sigmoid(ad::add(ad::slice(xt, 1, 0, H), ad::slice(hp, 1, 0, H)));
      auto z = ad::sigmoid(ad::add(ad::slice(xt, 1, H, 2 * H), ad::slice(hp, 1, H, 2 * H)));
      auto nn_ =
          ad::tanh(ad::add(ad::slice(xt, 1, 2 * H, 3 * H), ad::mul(r, ad::slice(hp, 1, 2 * H, 3 * H))));
      h = ad::add(nn_, ad::mul(z, ad::sub(h, nn_)));
    }
    outs[k] = ad::reshape(h, shape{n, 1, H});
  }
  return ad::concat(outs, 1);
}

/// One direction of one layer as a single fused tape node. in = {x [N,S,I], w_ih, w_hh[, b_ih, b_hh]}.
template <class T, class D>
var<T, D> rnn_fused(rnn_cell cell, const std::vector<var<T, D>>& in, bool reverse, std::size_t hidden) {
  static_assert(std::same_as<D, cpu_t>, "nn::lstm/gru: only the cpu backend exists");
  using backend::cpu::index_t;
  const auto& xs = in[0].shape();
  backend::cpu::rnn_shape sh{index_t(xs[1]), index_t(xs[0]), index_t(xs[2]), index_t(hidden)};
  backend::cpu::rnn_options o{.batch_first = true, .reverse = reverse, .output_stride = 0};
  const bool has_bias = in.size() > 3;
  auto weights = [&](const std::vector<const tensor<T, D>*>& v) {
    return backend::cpu::rnn_weights<T>{v[1]->data(), v[2]->data(), has_bias ? v[3]->data() : nullptr,
                                        has_bias ? v[4]->data() : nullptr};
  };
  std::vector<const tensor<T, D>*> vals;
  for (auto& v : in) vals.push_back(&v.value());
  tensor<T, D> y(shape{xs[0], xs[1], hidden});
  const index_t saved_n =
      cell == rnn_cell::lstm ? backend::cpu::lstm_saved_size(sh) : backend::cpu::gru_saved_size(sh);
  tensor<T, D> saved(shape{std::size_t(saved_n)});
  if (cell == rnn_cell::lstm)
    backend::cpu::lstm_forward<T>(sh, o, vals[0]->data(), nullptr, nullptr, weights(vals), y.data(), nullptr,
                                  nullptr, saved.data());
  else
    backend::cpu::gru_forward<T>(sh, o, vals[0]->data(), nullptr, weights(vals), y.data(), nullptr,
                                 saved.data());
  const std::size_t nin = in.size();
  return autodiff::record(
      in[0].get_tape(), cell == rnn_cell::lstm ? "lstm" : "gru", std::move(y), std::span<const var<T, D>>(in),
      [cell, reverse, hidden, sh, o, nin, saved = std::move(saved),
       weights](autodiff::backward_context<T, D>& c) {
        if (c.create_graph()) {
          autodiff::composite_backward(c, nin, [&](const std::vector<var<T, D>>& ins) {
            return rnn_composite(cell, ins, reverse, hidden);
          });
          return;
        }
        std::vector<const tensor<T, D>*> v;
        for (std::size_t k = 0; k < nin; ++k) v.push_back(&c.input(k).value());
        std::vector<tensor<T, D>> g;
        for (std::size_t k = 0; k < nin; ++k) g.emplace_back(c.needs(k) ? v[k]->shape() : shape{});
        auto ptr = [&](std::size_t k) { return c.needs(k) ? g[k].data() : nullptr; };
        backend::cpu::rnn_weight_grads<T> wg{ptr(1), ptr(2), nin > 3 ? ptr(3) : nullptr,
                                             nin > 4 ? ptr(4) : nullptr};
        const T* dy = c.grad().value().data();
        if (cell == rnn_cell::lstm)
          backend::cpu::lstm_backward<T>(sh, o, v[0]->data(), nullptr, nullptr, weights(v), saved.data(), dy,
                                         nullptr, nullptr, ptr(0), nullptr, nullptr, wg);
        else
          backend::cpu::gru_backward<T>(sh, o, v[0]->data(), nullptr, weights(v), saved.data(), dy, nullptr,
                                        ptr(0), nullptr, wg);
        for (std::size_t k = 0; k < nin; ++k)
          if (c.needs(k)) c.accumulate(k, c.get_tape().constant(std::move(g[k])));
      },
      autodiff::output_unread);
}

} // namespace detail

template <rnn_cell Cell, class T = float, class D = cpu_t>
class recurrent {
public:
  using value_type = T;
  using device_type = D;
  static constexpr std::size_t gates = Cell == rnn_cell::lstm ? 4 : 3;

  explicit recurrent(rnn_options o, generator& g = default_generator()) : opt_(o) {
    HAMGEN_CHECK(o.input > 0 && o.hidden > 0 && o.layers > 0, name(),
                 ": input, hidden and layers must be positive");
    const double b = 1.0 / std::sqrt(double(o.hidden));
    const std::size_t dirs = o.bidirectional ? 2 : 1;
    for (std::size_t l = 0; l < o.layers; ++l)
      for (std::size_t d = 0; d < dirs; ++d) {
        const std::size_t in = l == 0 ? o.input : dirs * o.hidden;
        cell_params p;
        p.suffix = "_l" + std::to_string(l) + (d ? "_reverse" : "");
        p.w_ih = parameter<T, D>(uniform<T>(shape{gates * o.hidden, in}, g, -b, b));
        p.w_hh = parameter<T, D>(uniform<T>(shape{gates * o.hidden, o.hidden}, g, -b, b));
        if (o.bias) {
          p.b_ih = parameter<T, D>(uniform<T>(shape{gates * o.hidden}, g, -b, b));
          p.b_hh = parameter<T, D>(uniform<T>(shape{gates * o.hidden}, g, -b, b));
        }
        cells_.push_back(std::move(p));
      }
  }

  var<T, D> forward(tape& t, const var<T, D>& x) {
    namespace ad = hamgen::autodiff;
    const auto& s = x.shape();
    HAMGEN_CHECK_SHAPE(s.rank() == 3 && s[2] == opt_.input, name(), "(input=", opt_.input,
                       ", hidden=", opt_.hidden, ")::forward: input has shape ", s, ", expected ",
                       opt_.batch_first ? "[N, S, " : "[S, N, ", opt_.input, "]");
    var<T, D> h = opt_.batch_first ? x : ad::permute(x, {1, 0, 2});
    const std::size_t dirs = opt_.bidirectional ? 2 : 1;
    for (std::size_t l = 0; l < opt_.layers; ++l) {
      std::vector<var<T, D>> outs;
      for (std::size_t d = 0; d < dirs; ++d) {
        auto& p = cells_[l * dirs + d];
        std::vector<var<T, D>> in{h, p.w_ih.bind(t), p.w_hh.bind(t)};
        if (opt_.bias) {
          in.push_back(p.b_ih.bind(t));
          in.push_back(p.b_hh.bind(t));
        }
        outs.push_back(detail::rnn_fused(Cell, in, d == 1, opt_.hidden));
      }
      h = dirs == 1 ? outs[0] : ad::concat(outs, 2);
    }
    return opt_.batch_first ? h : ad::permute(h, {1, 0, 2});
  }

  void train(bool on) noexcept { training_ = on; }
  bool is_training() const noexcept { return training_; }
  template <class F>
  void visit_parameters(F&& f, const std::string& prefix) {
    for (auto& p : cells_) {
      f(prefix + "weight_ih" + p.suffix, p.w_ih);
      f(prefix + "weight_hh" + p.suffix, p.w_hh);
      if (opt_.bias) {
        f(prefix + "bias_ih" + p.suffix, p.b_ih);
        f(prefix + "bias_hh" + p.suffix, p.b_hh);
      }
    }
  }
  template <class F>
  void visit_state(F&& f, const std::string& prefix) {
    visit_parameters([&](const std::string& n, parameter<T, D>& p) { f(n, p.value); }, prefix);
  }

private:
  struct cell_params {
    std::string suffix;
    parameter<T, D> w_ih, w_hh, b_ih, b_hh;
  };
  static const char* name() { return Cell == rnn_cell::lstm ? "lstm" : "gru"; }
  rnn_options opt_;
  std::vector<cell_params> cells_;
  bool training_ = true;
};

template <class T = float, class D = cpu_t>
using lstm = recurrent<rnn_cell::lstm, T, D>;
template <class T = float, class D = cpu_t>
using gru = recurrent<rnn_cell::gru, T, D>;

} // namespace hamgen::nn
