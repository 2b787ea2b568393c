// Tests for hamgen/metrics/image.hpp: MSE, PSNR and SSIM against closed forms and a brute-force
// (direct 2-D window, long double) reference of Wang et al.'s definition.
#include <hamgen/metrics/image.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace hm = hamgen::metrics;

namespace {

// Same member layout as hamgen::io::image8 (which needs libpng, not linked here).
struct my_image8 {
  int width = 0;
  int height = 0;
  int channels = 3;
  std::vector<std::uint8_t> pixels;
};

std::vector<double> random_pixels(std::size_t n, unsigned seed, double lo = 0.0, double hi = 1.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// Independent 1-D Gaussian taps in long double, k = -5..5, sigma 1.5.
std::vector<long double> taps_ld(int r = 5, long double sigma = 1.5L) {
  std::vector<long double> g;
  long double s = 0;
  for (int k = -r; k <= r; ++k) {
    g.push_back(std::exp(-static_cast<long double>(k * k) / (2 * sigma * sigma)));
    s += g.back();
  }
  for (auto& v : g) v /= s;
  return g;
}

// Direct definition: for every valid 11x11 window compute weighted mu, sigma^2, sigma_xy with 2-D weights
// w_ij = g_i g_j, the SSIM formula, and the mean over windows and channels.
long double ssim_brute(const std::vector<double>& a, const std::vector<double>& b, int h, int w, int c,
                       long double L, bool sample_cov = false) {
  const auto g = taps_ld();
  const int win = 11;
  const long double c1 = (0.01L * L) * (0.01L * L), c2 = (0.03L * L) * (0.03L * L);
  const long double norm = sample_cov ? 121.0L / 120.0L : 1.0L;
  long double total = 0;
  for (int ch = 0; ch < c; ++ch) {
    long double sum = 0;
    for (int y0 = 0; y0 + win <= h; ++y0)
      for (int x0 = 0; x0 + win <= w; ++x0) {
        long double ma = 0, mb = 0;
        for (int i = 0; i < win; ++i)
          for (int j = 0; j < win; ++j) {
            const long double wij = g[i] * g[j];
            const auto idx = static_cast<std::size_t>(((y0 + i) * w + (x0 + j)) * c + ch);
            ma += wij * a[idx];
            mb += wij * b[idx];
          }
        long double va = 0, vb = 0, vab = 0; // central moments directly
        for (int i = 0; i < win; ++i)
          for (int j = 0; j < win; ++j) {
            const long double wij = g[i] * g[j];
            const auto idx = static_cast<std::size_t>(((y0 + i) * w + (x0 + j)) * c + ch);
            va += wij * (a[idx] - ma) * (a[idx] - ma);
            vb += wij * (b[idx] - mb) * (b[idx] - mb);
            vab += wij * (a[idx] - ma) * (b[idx] - mb);
          }
        va *= norm;
        vb *= norm;
        vab *= norm;
        sum += ((2 * ma * mb + c1) * (2 * vab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      }
    total += sum / static_cast<long double>((h - win + 1) * (w - win + 1));
  }
  return total / c;
}

} // namespace

TEST_CASE("image: identical images give MSE 0, PSNR +inf, SSIM 1", "[metrics][image]") {
  const auto px = random_pixels(16 * 15 * 3, 1);
  hm::image_view<double> v{.pixels = px, .height = 16, .width = 15, .channels = 3};
  CHECK(hm::mse(v, v) == 0.0);
  const double p = hm::psnr(v, v, 1.0);
  CHECK(std::isinf(p));
  CHECK(p > 0);
  CHECK(hm::ssim(v, v, {.data_range = 1.0}) == Approx(1.0).epsilon(1e-12));

  my_image8 img{.width = 12, .height = 11, .channels = 3, .pixels = {}};
  img.pixels.resize(12 * 11 * 3);
  for (std::size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<std::uint8_t>((i * 37) % 256);
  CHECK(std::isinf(hm::psnr(img, img))); // uint8: data range 255 implied
  CHECK(hm::ssim(img, img) == Approx(1.0).epsilon(1e-12));

  const Eigen::MatrixXd m = Eigen::MatrixXd::Random(13, 12);
  CHECK(hm::mse(m, m) == 0.0);
  CHECK(std::isinf(hm::psnr(m, m, 2.0)));
  CHECK(hm::ssim(m, m, {.data_range = 2.0}) == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("image: MSE and PSNR closed forms", "[metrics][image]") {
  // a = 0, b = 10 everywhere (uint8): MSE = 100, PSNR = 10 log10(255^2 / 100) = 20 log10(25.5).
  my_image8 a{.width = 4, .height = 3, .channels = 3, .pixels = std::vector<std::uint8_t>(36, 0)};
  my_image8 b{.width = 4, .height = 3, .channels = 3, .pixels = std::vector<std::uint8_t>(36, 10)};
  CHECK(hm::mse(a, b) == Approx(100.0).epsilon(1e-15));
  CHECK(hm::psnr(a, b) == Approx(20.0 * std::log10(25.5)).epsilon(1e-14));
  CHECK(hm::psnr(a, b, 100.0) == Approx(20.0).epsilon(1e-14)); // 10 log10(100^2/100)

  // One sample differing by d in an H x W x C float image: MSE = d^2 / (H W C).
  std::vector<float> x(5 * 6 * 2, 0.25f), y = x;
  y[17] = 0.75f;
  hm::image_view<float> vx{.pixels = x, .height = 5, .width = 6, .channels = 2};
  hm::image_view<float> vy{.pixels = y, .height = 5, .width = 6, .channels = 2};
  CHECK(hm::mse(vx, vy) == Approx(0.25 / 60.0).epsilon(1e-12));
  CHECK(hm::psnr(vx, vy, 1.0) == Approx(10.0 * std::log10(240.0)).epsilon(1e-12));

  // Eigen single channel.
  Eigen::MatrixXd ea = Eigen::MatrixXd::Zero(3, 4), eb = Eigen::MatrixXd::Constant(3, 4, 0.1);
  CHECK(hm::mse(ea, eb) == Approx(0.01).epsilon(1e-14));
  CHECK(hm::psnr(ea, eb, 1.0) == Approx(20.0).epsilon(1e-13));
}

TEST_CASE("image: SSIM of constant images reduces to the luminance term", "[metrics][image]") {
  // sigma_a = sigma_b = sigma_ab = 0 -> SSIM = (2 a b + C1) / (a^2 + b^2 + C1), C1 = (0.01 L)^2.
  for (double alpha : {0.2, 0.5}) {
    for (double beta : {0.3, 0.9}) {
      const Eigen::MatrixXd a = Eigen::MatrixXd::Constant(14, 17, alpha);
      const Eigen::MatrixXd b = Eigen::MatrixXd::Constant(14, 17, beta);
      const double c1 = 1e-4;
      const double expected = (2 * alpha * beta + c1) / (alpha * alpha + beta * beta + c1);
      CHECK(hm::ssim(a, b, {.data_range = 1.0}) == Approx(expected).epsilon(1e-10));
    }
  }
  // uint8 constants 100 vs 150, L = 255: C1 = 2.55^2.
  my_image8 a{.width = 11, .height = 11, .channels = 1, .pixels = std::vector<std::uint8_t>(121, 100)};
  my_image8 b{.width = 11, .height = 11, .channels = 1, .pixels = std::vector<std::uint8_t>(121, 150)};
  const double c1 = 2.55 * 2.55;
  CHECK(hm::ssim(a, b) == Approx((2.0 * 100 * 150 + c1) / (100.0 * 100 + 150.0 * 150 + c1)).epsilon(1e-10));
}

TEST_CASE("image: SSIM of a two-value (checkerboard) 11x11 image, one window, by hand", "[metrics][image]") {
  // x = 1 where i + j is even, 0 elsewhere. With 1-D taps g_k (k = -5..5), E = sum of g over even k,
  // O = sum over odd k: mu_x = E^2 + O^2 (both indices even or both odd), sigma_x^2 = mu_x - mu_x^2
  // (x^2 = x for a 0/1 image).
  const auto g = taps_ld();
  long double even = 0, odd = 0;
  for (int k = -5; k <= 5; ++k) (k % 2 == 0 ? even : odd) += g[static_cast<std::size_t>(k + 5)];
  const long double mu = even * even + odd * odd;
  const long double var = mu - mu * mu;
  const long double c1 = 1e-4L, c2 = 9e-4L;

  Eigen::MatrixXd x(11, 11), half = Eigen::MatrixXd::Constant(11, 11, 0.5);
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 11; ++j) x(i, j) = (i + j) % 2 == 0 ? 1.0 : 0.0;

  // Against a constant 0.5: sigma_y = sigma_xy = 0.
  const long double vs_half = (2 * mu * 0.5L + c1) / (mu * mu + 0.25L + c1) * c2 / (var + c2);
  CHECK(hm::ssim(x, half, {.data_range = 1.0}) == Approx(static_cast<double>(vs_half)).epsilon(1e-12));

  // Against its negative 1 - x: mu_y = 1 - mu, sigma_y^2 = sigma_x^2, sigma_xy = -sigma_x^2.
  const Eigen::MatrixXd neg = (1.0 - x.array()).matrix();
  const long double vs_neg =
      ((2 * mu * (1 - mu) + c1) * (-2 * var + c2)) / ((mu * mu + (1 - mu) * (1 - mu) + c1) * (2 * var + c2));
  CHECK(hm::ssim(x, neg, {.data_range = 1.0}) == Approx(static_cast<double>(vs_neg)).epsilon(1e-12));
  CHECK(vs_neg < 0); // anti-correlated structure
}

TEST_CASE("image: SSIM equals the brute-force definition on the valid region", "[metrics][image]") {
  const int h = 14, w = 13, c = 3;
  const auto a = random_pixels(h * w * c, 7);
  auto b = random_pixels(h * w * c, 8);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = 0.6 * a[i] + 0.4 * b[i]; // correlated
  hm::image_view<double> va{.pixels = a, .height = h, .width = w, .channels = c};
  hm::image_view<double> vb{.pixels = b, .height = h, .width = w, .channels = c};
  const double ref = static_cast<double>(ssim_brute(a, b, h, w, c, 1.0L));
  CHECK(hm::ssim(va, vb, {.data_range = 1.0}) == Approx(ref).epsilon(1e-11));
  const double ref_sample = static_cast<double>(ssim_brute(a, b, h, w, c, 1.0L, true));
  CHECK(hm::ssim(va, vb, {.data_range = 1.0, .sample_covariance = true}) ==
        Approx(ref_sample).epsilon(1e-11));
  CHECK(ref != Approx(ref_sample));
  // Symmetry.
  CHECK(hm::ssim(vb, va, {.data_range = 1.0}) == Approx(ref).epsilon(1e-11));
}

TEST_CASE("image: uint8, float and Eigen views agree; batches match single images", "[metrics][image]") {
  const int h = 12, w = 11;
  my_image8 a{.width = w, .height = h, .channels = 1, .pixels = {}}, b = a;
  std::mt19937 rng(3);
  for (int i = 0; i < h * w; ++i) {
    a.pixels.push_back(static_cast<std::uint8_t>(rng() % 256));
    b.pixels.push_back(static_cast<std::uint8_t>(rng() % 256));
  }
  std::vector<float> af, bf;
  Eigen::MatrixXd ae(h, w), be(h, w);
  for (int i = 0; i < h * w; ++i) {
    af.push_back(static_cast<float>(a.pixels[static_cast<std::size_t>(i)]) / 255.0f);
    bf.push_back(static_cast<float>(b.pixels[static_cast<std::size_t>(i)]) / 255.0f);
    ae(i / w, i % w) = a.pixels[static_cast<std::size_t>(i)];
    be(i / w, i % w) = b.pixels[static_cast<std::size_t>(i)];
  }
  hm::image_view<float> fa{.pixels = af, .height = h, .width = w, .channels = 1};
  hm::image_view<float> fb{.pixels = bf, .height = h, .width = w, .channels = 1};
  const double s8 = hm::ssim(a, b);
  CHECK(hm::ssim(fa, fb, {.data_range = 1.0}) == Approx(s8).epsilon(1e-6));
  CHECK(hm::ssim(ae, be, {.data_range = 255.0}) == Approx(s8).epsilon(1e-13));
  CHECK(hm::psnr(fa, fb, 1.0) == Approx(hm::psnr(a, b)).epsilon(1e-6));
  CHECK(hm::psnr(ae, be, 255.0) == Approx(hm::psnr(a, b)).epsilon(1e-13));

  // Batch of 3: [a, b, a] vs [b, b, a] -> per image [s(a,b), 1, 1].
  std::vector<std::uint8_t> bx, by;
  for (const auto* p : {&a, &b, &a}) bx.insert(bx.end(), p->pixels.begin(), p->pixels.end());
  for (const auto* p : {&b, &b, &a}) by.insert(by.end(), p->pixels.begin(), p->pixels.end());
  hm::image_batch_view<std::uint8_t> ba{.pixels = bx, .count = 3, .height = h, .width = w, .channels = 1};
  hm::image_batch_view<std::uint8_t> bb{.pixels = by, .count = 3, .height = h, .width = w, .channels = 1};
  const Eigen::VectorXd s = hm::ssim(ba, bb);
  REQUIRE(s.size() == 3);
  CHECK(s[0] == Approx(s8).epsilon(1e-14));
  CHECK(s[1] == Approx(1.0).epsilon(1e-12));
  CHECK(s[2] == Approx(1.0).epsilon(1e-12));
  const Eigen::VectorXd m = hm::mse(ba, bb);
  CHECK(m[0] == Approx(hm::mse(a, b)).epsilon(1e-15));
  CHECK(m[1] == 0.0);
  const Eigen::VectorXd p = hm::psnr(ba, bb);
  CHECK(p[0] == Approx(hm::psnr(a, b)).epsilon(1e-14));
  CHECK(std::isinf(p[1]));
  CHECK(std::isinf(p.mean()));
}

TEST_CASE("image: invalid inputs raise shape_error / value_error naming the metric", "[metrics][image]") {
  std::vector<float> x(12 * 12, 0.5f), y(12 * 11, 0.5f);
  hm::image_view<float> a{.pixels = x, .height = 12, .width = 12, .channels = 1};
  hm::image_view<float> b{.pixels = y, .height = 12, .width = 11, .channels = 1};
  CHECK_THROWS_AS(hm::mse(a, b), hamgen::shape_error);
  CHECK_THROWS_WITH(hm::ssim(a, b, {.data_range = 1.0}), Catch::Contains("ssim: shapes differ"));
  hm::image_view<float> wrong{.pixels = x, .height = 12, .width = 13, .channels = 1};
  CHECK_THROWS_WITH(hm::mse(a, wrong), Catch::Contains("needs 156 pixels but holds 144"));
  hm::image_view<float> empty{.pixels = {}, .height = 0, .width = 0, .channels = 1};
  CHECK_THROWS_AS(hm::mse(empty, empty), hamgen::shape_error);

  CHECK_THROWS_WITH(hm::ssim(a, a), Catch::Contains("ssim: data_range must be given"));
  CHECK_THROWS_WITH(hm::psnr(a, a), Catch::Contains("psnr: data_range must be given"));
  CHECK_THROWS_AS(hm::psnr(a, a, -1.0), hamgen::value_error);
  CHECK_THROWS_WITH(hm::ssim(a, a, {.data_range = 1.0, .window_size = 4}), Catch::Contains("window_size"));

  std::vector<float> small(10 * 12, 0.5f);
  hm::image_view<float> s{.pixels = small, .height = 10, .width = 12, .channels = 1};
  CHECK_THROWS_WITH(hm::ssim(s, s, {.data_range = 1.0}), Catch::Contains("smaller than the 11x11 window"));

  std::vector<float> bad = x;
  bad[5] = std::numeric_limits<float>::quiet_NaN();
  hm::image_view<float> n{.pixels = bad, .height = 12, .width = 12, .channels = 1};
  CHECK_THROWS_WITH(hm::mse(a, n), Catch::Contains("mse: b[5] is not finite"));

  Eigen::MatrixXd e1 = Eigen::MatrixXd::Zero(11, 11), e2 = Eigen::MatrixXd::Zero(11, 12);
  CHECK_THROWS_AS(hm::ssim(e1, e2, {.data_range = 1.0}), hamgen::shape_error);
  e2 = Eigen::MatrixXd::Zero(11, 11);
  e2(3, 4) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(hm::psnr(e1, e2, 1.0), Catch::Contains("psnr: b(3, 4) is not finite"));
}

#if defined(HAMGEN_METRICS_TEST_IO)
#include <hamgen/io/png.hpp>

TEST_CASE("image: hamgen::io::image8 is accepted as is (shape carried by the image)", "[metrics][image]") {
  hamgen::io::image8 a(12, 11, 3, 40), b(12, 11, 3, 40);
  CHECK(std::isinf(hm::psnr(a, b)));
  CHECK(hm::ssim(a, b) == Approx(1.0).epsilon(1e-12));
  b.at(3, 4)[1] = 50; // one sample differs by 10: MSE = 100 / (12 * 11 * 3)
  CHECK(hm::mse(a, b) == Approx(100.0 / 396.0).epsilon(1e-14));
  CHECK(hm::ssim(a, b) < 1.0);
  hamgen::io::image8 c(11, 12, 3, 40); // transposed shape
  CHECK_THROWS_AS(hm::mse(a, c), hamgen::shape_error);
}
#endif
