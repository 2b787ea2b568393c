#include <hamgen/backend/cpu/batch_norm.hpp>

#include "kernel_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace cpu = hamgen::backend::cpu;
using cpu::index_t;
using kernel_test::fd_gradient;
using kernel_test::random_vector;
using kernel_test::rel_error;

namespace {

struct naive_bn_result {
  std::vector<double> y, mean, var_biased, var_unbiased;
};

// Straightforward reference: per channel, collect its M values, mean, biased/unbiased variance.
naive_bn_result naive_bn_train(const cpu::batch_norm_shape& s, const std::vector<double>& x,
                               const std::vector<double>& gamma, const std::vector<double>& beta,
                               double eps) {
  naive_bn_result r;
  r.y.resize(x.size());
  const index_t C = s.channels, P = s.spatial;
  for (index_t c = 0; c < C; ++c) {
    std::vector<index_t> idx;
    for (index_t n = 0; n < s.batch; ++n)
      for (index_t i = 0; i < P; ++i) idx.push_back((n * C + c) * P + i);
    double mean = 0;
    for (auto i : idx) mean += x[i];
    mean /= static_cast<double>(idx.size());
    double ss = 0;
    for (auto i : idx) ss += (x[i] - mean) * (x[i] - mean);
    const double vb = ss / static_cast<double>(idx.size());
    r.mean.push_back(mean);
    r.var_biased.push_back(vb);
    r.var_unbiased.push_back(ss / static_cast<double>(idx.size() - 1));
    for (auto i : idx) r.y[i] = gamma[c] * (x[i] - mean) / std::sqrt(vb + eps) + beta[c];
  }
  return r;
}

std::vector<double> naive_bn_eval(const cpu::batch_norm_shape& s, const std::vector<double>& x,
                                  const std::vector<double>& gamma, const std::vector<double>& beta,
                                  const std::vector<double>& rm, const std::vector<double>& rv, double eps) {
  std::vector<double> y(x.size());
  for (index_t n = 0; n < s.batch; ++n)
    for (index_t c = 0; c < s.channels; ++c)
      for (index_t i = 0; i < s.spatial; ++i) {
        const index_t k = (n * s.channels + c) * s.spatial + i;
        y[k] = gamma[c] * (x[k] - rm[c]) / std::sqrt(rv[c] + eps) + beta[c];
      }
  return y;
}

void check_bn(const cpu::batch_norm_shape& s, unsigned seed) {
  const auto n = static_cast<std::size_t>(s.batch * s.channels * s.spatial);
  const auto C = static_cast<std::size_t>(s.channels);
  const auto x = random_vector(n, seed, -2.0, 3.0), gamma = random_vector(C, seed + 1, 0.5, 1.5),
             beta = random_vector(C, seed + 2), G = random_vector(n, seed + 3);
  const cpu::batch_norm_options o{.eps = 1e-5, .momentum = 0.1};
  const auto ref = naive_bn_train(s, x, gamma, beta, o.eps);

  // train forward + running statistics
  std::vector<double> y(n), sm(C), si(C), rm = random_vector(C, seed + 4),
                                          rv = random_vector(C, seed + 5, 0.5, 2.0);
  const auto rm0 = rm, rv0 = rv;
  cpu::batch_norm_forward_train(s, o, x.data(), gamma.data(), beta.data(), y.data(), sm.data(), si.data(),
                                rm.data(), rv.data());
  CHECK(rel_error(y, ref.y) < 1e-12);
  for (std::size_t c = 0; c < C; ++c) {
    CHECK(sm[c] == Approx(ref.mean[c]).epsilon(1e-12).margin(1e-14));
    CHECK(si[c] == Approx(1 / std::sqrt(ref.var_biased[c] + o.eps)).epsilon(1e-12));
    CHECK(rm[c] == Approx(0.9 * rm0[c] + 0.1 * ref.mean[c]).epsilon(1e-12).margin(1e-14));
    CHECK(rv[c] == Approx(0.9 * rv0[c] + 0.1 * ref.var_unbiased[c]).epsilon(1e-12));
  }

  // float forward
  auto xf = kernel_test::cast<float>(x), gf = kernel_test::cast<float>(gamma),
       bf = kernel_test::cast<float>(beta);
  std::vector<float> yf(n), smf(C), sif(C);
  cpu::batch_norm_forward_train(s, o, xf.data(), gf.data(), bf.data(), yf.data(), smf.data(), sif.data(),
                                static_cast<float*>(nullptr), static_cast<float*>(nullptr));
  CHECK(rel_error(std::vector<double>(yf.begin(), yf.end()), ref.y) < 1e-5);

  // train backward vs finite differences of <y, G>
  std::vector<double> dx(n), dg(C), db(C);
  cpu::batch_norm_backward_train(s, x.data(), gamma.data(), sm.data(), si.data(), G.data(), dx.data(),
                                 dg.data(), db.data());
  auto loss = [&](const std::vector<double>& xx, const std::vector<double>& gg,
                  const std::vector<double>& bb) {
    return kernel_test::dot(naive_bn_train(s, xx, gg, bb, o.eps).y, G);
  };
  CHECK(rel_error(dx, fd_gradient([&](const std::vector<double>& v) { return loss(v, gamma, beta); }, x)) <
        1e-6);
  CHECK(rel_error(dg, fd_gradient([&](const std::vector<double>& v) { return loss(x, v, beta); }, gamma)) <
        1e-6);
  CHECK(rel_error(db, fd_gradient([&](const std::vector<double>& v) { return loss(x, gamma, v); }, beta)) <
        1e-6);

  // eval forward and backward
  std::vector<double> ye(n);
  cpu::batch_norm_forward_eval(s, o, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), ye.data());
  CHECK(rel_error(ye, naive_bn_eval(s, x, gamma, beta, rm, rv, o.eps)) < 1e-12);
  std::vector<double> dxe(n), dge(C), dbe(C);
  cpu::batch_norm_backward_eval(s, o, x.data(), gamma.data(), rm.data(), rv.data(), G.data(), dxe.data(),
                                dge.data(), dbe.data());
  auto eloss = [&](const std::vector<double>& xx, const std::vector<double>& gg,
                   const std::vector<double>& bb) {
    return kernel_test::dot(naive_bn_eval(s, xx, gg, bb, rm, rv, o.eps), G);
  };
  CHECK(rel_error(dxe, fd_gradient([&](const std::vector<double>& v) { return eloss(v, gamma, beta); }, x)) <
        1e-6);
  CHECK(rel_error(dge, fd_gradient([&](const std::vector<double>& v) { return eloss(x, v, beta); }, gamma)) <
        1e-6);
  CHECK(rel_error(dbe, fd_gradient([&](const std::vector<double>& v) { return eloss(x, gamma, v); }, beta)) <
        1e-6);
}

} // namespace

TEST_CASE("batch norm on (N, C): forward, running stats and backward", "[backend][batch_norm]") {
  check_bn({.batch = 5, .channels = 3, .spatial = 1}, 1);
  check_bn({.batch = 2, .channels = 4, .spatial = 1}, 2);
}

TEST_CASE("batch norm on (N, C, spatial...): forward, running stats and backward", "[backend][batch_norm]") {
  check_bn({.batch = 3, .channels = 2, .spatial = 7}, 3);         // (N, C, L)
  check_bn({.batch = 2, .channels = 3, .spatial = 3 * 4}, 4);     // (N, C, H, W)
  check_bn({.batch = 1, .channels = 2, .spatial = 2 * 3 * 2}, 5); // (N, C, D, H, W), batch 1
}

TEST_CASE("batch norm without affine parameters and running stats", "[backend][batch_norm]") {
  const cpu::batch_norm_shape s{.batch = 4, .channels = 2, .spatial = 3};
  const auto x = random_vector(24, 9);
  const std::vector<double> ones(2, 1.0), zeros(2, 0.0);
  std::vector<double> y(24), y2(24), sm(2), si(2);
  cpu::batch_norm_forward_train(s, {}, x.data(), static_cast<const double*>(nullptr),
                                static_cast<const double*>(nullptr), y.data(), sm.data(), si.data(),
                                static_cast<double*>(nullptr), static_cast<double*>(nullptr));
  CHECK(rel_error(y, naive_bn_train(s, x, ones, zeros, 1e-5).y) < 1e-12);
}

// Shapes large enough to split over threads: the (N, C) path and a spatial one (1100 values per
// run: the last four of the eight partial sums get one value fewer).
const cpu::batch_norm_shape threaded_shapes[] = {
    cpu::batch_norm_shape{.batch = 24, .channels = 2048, .spatial = 1},
    cpu::batch_norm_shape{.batch = 4, .channels = 8, .spatial = 1100}};

TEST_CASE("batch norm multithreaded paths equal the naive reference", "[backend][batch_norm]") {
  for (const cpu::batch_norm_shape s : threaded_shapes) {
    const auto n = static_cast<std::size_t>(s.batch * s.channels * s.spatial);
    const auto C = static_cast<std::size_t>(s.channels);
    const auto x = random_vector(n, 11), gamma = random_vector(C, 12), beta = random_vector(C, 13),
               G = random_vector(n, 14);
    const auto ref = naive_bn_train(s, x, gamma, beta, 1e-5);
    std::vector<double> y(n), sm(C), si(C), dx(n), dg(C), db(C);
    cpu::batch_norm_forward_train(s, {}, x.data(), gamma.data(), beta.data(), y.data(), sm.data(), si.data(),
                                  static_cast<double*>(nullptr), static_cast<double*>(nullptr));
    CHECK(rel_error(y, ref.y) < 1e-12);
    cpu::batch_norm_backward_train(s, x.data(), gamma.data(), sm.data(), si.data(), G.data(), dx.data(),
                                   dg.data(), db.data());
    // analytic reference of the backward formula, per element
    bool ok = true;
    for (index_t c = 0; c < s.channels; ++c) {
      double sdy = 0, sdyx = 0;
      const double is = 1 / std::sqrt(ref.var_biased[c] + 1e-5);
      for (index_t b = 0; b < s.batch; ++b)
        for (index_t i = 0; i < s.spatial; ++i) {
          const index_t k = (b * s.channels + c) * s.spatial + i;
          sdy += G[k];
          sdyx += G[k] * (x[k] - ref.mean[c]) * is;
        }
      const double M = static_cast<double>(s.batch * s.spatial);
      ok = ok && std::abs(db[c] - sdy) < 1e-9 && std::abs(dg[c] - sdyx) < 1e-9;
      for (index_t b = 0; b < s.batch; ++b)
        for (index_t i = 0; i < s.spatial; ++i) {
          const index_t k = (b * s.channels + c) * s.spatial + i;
          const double xh = (x[k] - ref.mean[c]) * is;
          const double want = gamma[c] * is * (G[k] - sdy / M - xh * sdyx / M);
          ok = ok && std::abs(dx[k] - want) < 1e-9;
        }
    }
    CHECK(ok);
  }
}

TEST_CASE("batch norm train backward may write dx over dy (the autodiff layer's in-place gradient)",
          "[backend][batch_norm]") {
  const int threads = cpu::num_threads();
  for (int t : {1, 2}) {
    cpu::set_num_threads(t);
    for (const cpu::batch_norm_shape s : threaded_shapes) {
      const auto n = static_cast<std::size_t>(s.batch * s.channels * s.spatial);
      const auto C = static_cast<std::size_t>(s.channels);
      const auto x = random_vector(n, 21), gamma = random_vector(C, 22), G = random_vector(n, 23);
      std::vector<float> xf(x.begin(), x.end()), gf(gamma.begin(), gamma.end()), Gf(G.begin(), G.end());
      std::vector<float> y(n), sm(C), si(C), dx(n), dg(C), db(C), dg2(C), db2(C);
      cpu::batch_norm_forward_train(s, {}, xf.data(), gf.data(), static_cast<const float*>(nullptr), y.data(),
                                    sm.data(), si.data(), static_cast<float*>(nullptr),
                                    static_cast<float*>(nullptr));
      cpu::batch_norm_backward_train(s, xf.data(), gf.data(), sm.data(), si.data(), Gf.data(), dx.data(),
                                     dg.data(), db.data());
      std::vector<float> inplace = Gf; // dy, overwritten by dx
      cpu::batch_norm_backward_train(s, xf.data(), gf.data(), sm.data(), si.data(), inplace.data(),
                                     inplace.data(), dg2.data(), db2.data());
      CHECK(inplace == dx); // the same arithmetic on the same values: bit for bit
      CHECK(dg2 == dg);
      CHECK(db2 == db);
    }
  }
  cpu::set_num_threads(threads);
}

TEST_CASE("batch norm rejects a single value per channel in train mode", "[backend][batch_norm]") {
  std::vector<double> x(3), y(3), m(3), v(3);
  CHECK_THROWS_WITH(
      cpu::batch_norm_forward_train(cpu::batch_norm_shape{.batch = 1, .channels = 3}, {}, x.data(),
                                    static_cast<const double*>(nullptr), static_cast<const double*>(nullptr),
                                    y.data(), m.data(), v.data(), static_cast<double*>(nullptr),
                                    static_cast<double*>(nullptr)),
      Catch::Contains("cpu::batch_norm_forward_train") && Catch::Contains("more than one value"));
}

TEST_CASE("batch norm double backprop matches finite differences of the backward", "[backend][batch_norm]") {
  for (const cpu::batch_norm_shape s : {cpu::batch_norm_shape{.batch = 5, .channels = 2, .spatial = 1},
                                        cpu::batch_norm_shape{.batch = 3, .channels = 2, .spatial = 4}}) {
    const auto n = static_cast<std::size_t>(s.batch * s.channels * s.spatial);
    const auto C = static_cast<std::size_t>(s.channels);
    const auto x = random_vector(n, 61, -2.0, 2.0), gamma = random_vector(C, 62, 0.5, 1.5),
               dy = random_vector(n, 63), Gx = random_vector(n, 64), Gg = random_vector(C, 65),
               Gb = random_vector(C, 66);
    // L(x, gamma, dy) = <dx, Gx> + <dgamma, Gg> + <dbeta, Gb>, statistics recomputed from x
    auto L = [&](const std::vector<double>& xx, const std::vector<double>& gg, const std::vector<double>& d) {
      std::vector<double> y(n), sm(C), si(C), dx(n), dg(C), db(C);
      cpu::batch_norm_forward_train(s, {}, xx.data(), gg.data(), static_cast<const double*>(nullptr),
                                    y.data(), sm.data(), si.data(), static_cast<double*>(nullptr),
                                    static_cast<double*>(nullptr));
      cpu::batch_norm_backward_train(s, xx.data(), gg.data(), sm.data(), si.data(), d.data(), dx.data(),
                                     dg.data(), db.data());
      return kernel_test::dot(dx, Gx) + kernel_test::dot(dg, Gg) + kernel_test::dot(db, Gb);
    };
    std::vector<double> y(n), sm(C), si(C);
    cpu::batch_norm_forward_train(s, {}, x.data(), gamma.data(), static_cast<const double*>(nullptr),
                                  y.data(), sm.data(), si.data(), static_cast<double*>(nullptr),
                                  static_cast<double*>(nullptr));
    std::vector<double> gx(n), gg(C), gdy(n);
    cpu::batch_norm_backward_train_backward(s, x.data(), gamma.data(), sm.data(), si.data(), dy.data(),
                                            Gx.data(), Gg.data(), Gb.data(), gx.data(), gg.data(),
                                            gdy.data());
    CHECK(rel_error(gx, fd_gradient([&](const std::vector<double>& v) { return L(v, gamma, dy); }, x)) <
          1e-6);
    CHECK(rel_error(gg, fd_gradient([&](const std::vector<double>& v) { return L(x, v, dy); }, gamma)) <
          1e-6);
    CHECK(rel_error(gdy, fd_gradient([&](const std::vector<double>& v) { return L(x, gamma, v); }, dy)) <
          1e-6);
  }
}
