// hamgen/metrics/image.hpp
//
// Represents: full-reference image quality metrics: mean squared error (MSE), peak signal-to-noise ratio
//             (PSNR) and the structural similarity index (SSIM), for single images and batches.
// Requires:   images as (a) an Eigen matrix/array, one channel, rows = height, cols = width; or (b) any
//             object carrying its own shape and an interleaved buffer: members `height`, `width`,
//             `channels` and `pixels` (contiguous, H x W x C row-major, channels interleaved, element type
//             std::uint8_t, float or double): hamgen::io::image8 and metrics::image_view qualify; or (c) a
//             batch with an extra `count` member (N x H x W x C), e.g. metrics::image_batch_view.
//             Both operands must have the same shape and pixel type; floating-point pixels must be finite.
// Ensures:    MSE  = mean over all H*W*C samples of (a - b)^2.
//             PSNR = 10 log10(L^2 / MSE) dB with L the data range (peak-to-peak of the pixel scale);
//                    identical images (MSE == 0) give +infinity explicitly (no division by zero).
//             SSIM = Wang, Bovik, Sheikh, Simoncelli, "Image quality assessment: from error visibility to
//                    structural similarity", IEEE TIP 13(4), 2004: local statistics under an 11 x 11
//                    Gaussian window (sigma 1.5, normalised to sum 1), C1 = (K1 L)^2, C2 = (K2 L)^2 with
//                    K1 = 0.01, K2 = 0.03; the SSIM map is averaged over the 'valid' positions only (windows
//                    that lie entirely inside the image: an H x W image gives (H-10) x (W-10) windows, no
//                    padding), as the authors' MATLAB ssim_index and scikit-image's structural_similarity
//                    (gaussian_weights=True, use_sample_covariance=False) do; no automatic downsampling.
//                    Multi-channel images: SSIM per channel, then the mean over channels.
//             The data range L defaults to 255 for std::uint8_t pixels; for float/double pixels it must be
//             given (data_range > 0), since [0, 1] and [-1, 1] images are both common.
//             Batches return one value per image (Eigen::VectorXd of length N); `.mean()` is the usual
//             dataset average (a PSNR batch containing an identical pair then averages to +infinity).
//             Shape mismatches raise hamgen::shape_error, NaN/Inf and bad options hamgen::value_error, each
//             message starting with the metric's name.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/metrics/detail/check.hpp>

#include <Eigen/Core>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace hamgen::metrics {

/// Pixel element types the image metrics accept.
template <class T>
concept pixel_scalar = std::same_as<T, std::uint8_t> || std::same_as<T, float> || std::same_as<T, double>;

/// A non-owning single image: H x W x C, row-major, interleaved channels.
template <pixel_scalar T>
struct image_view {
  std::span<const T> pixels;
  std::ptrdiff_t height = 0;
  std::ptrdiff_t width = 0;
  std::ptrdiff_t channels = 1;
};

/// A non-owning batch of images: N x H x W x C, row-major, interleaved channels.
template <pixel_scalar T>
struct image_batch_view {
  std::span<const T> pixels;
  std::ptrdiff_t count = 0;
  std::ptrdiff_t height = 0;
  std::ptrdiff_t width = 0;
  std::ptrdiff_t channels = 1;
};

/// The object carries height, width and channels.
template <class I>
concept has_image_shape = requires(const I& i) {
  { i.height } -> std::convertible_to<std::ptrdiff_t>;
  { i.width } -> std::convertible_to<std::ptrdiff_t>;
  { i.channels } -> std::convertible_to<std::ptrdiff_t>;
};

/// The object has a contiguous `pixels` buffer.
template <class I>
concept has_pixel_buffer = requires(const I& i) {
  std::data(i.pixels);
  std::size(i.pixels);
};

/// Element type of an image's pixel buffer.
template <has_pixel_buffer I>
using image_pixel_t = std::remove_cvref_t<decltype(*std::data(std::declval<const I&>().pixels))>;

/// The object carries a batch size `count`.
template <class I>
concept has_batch_count = requires(const I& i) {
  { i.count } -> std::convertible_to<std::ptrdiff_t>;
};

/// One image with its own shape and an interleaved buffer of uint8/float/double.
template <class I>
concept interleaved_image =
    has_image_shape<I> && has_pixel_buffer<I> && pixel_scalar<image_pixel_t<I>> && !has_batch_count<I>;

/// A batch N x H x W x C with its own shape and an interleaved buffer of uint8/float/double.
template <class I>
concept interleaved_image_batch =
    has_image_shape<I> && has_pixel_buffer<I> && pixel_scalar<image_pixel_t<I>> && has_batch_count<I>;

/// SSIM settings; the defaults are those of Wang et al. 2004.
struct ssim_options {
  double data_range = 0.0;        ///< L; 0 means 255 for uint8 pixels (required > 0 otherwise)
  int window_size = 11;           ///< odd side of the square Gaussian window
  double sigma = 1.5;             ///< standard deviation of the Gaussian window, in pixels
  double k1 = 0.01;               ///< C1 = (k1 L)^2
  double k2 = 0.03;               ///< C2 = (k2 L)^2
  bool sample_covariance = false; ///< true: scale (co)variances by n/(n-1), n = window_size^2
                                  ///< (scikit-image's default use_sample_covariance=True)
};

namespace detail {

template <class T>
double resolve_data_range(const char* metric, double data_range) {
  if (data_range == 0.0) {
    if constexpr (std::is_same_v<T, std::uint8_t>) return 255.0;
    throw value_error(::hamgen::detail::concat(
        metric,
        ": data_range must be given (> 0) for floating-point pixels (e.g. 1 for [0, 1], 2 for [-1, 1])"));
  }
  HAMGEN_CHECK(std::isfinite(data_range) && data_range > 0.0, metric,
               ": data_range must be finite and > 0, got ", data_range);
  return data_range;
}

struct shape4 {
  std::ptrdiff_t count, height, width, channels;
};

template <class I>
shape4 image_shape(const I& img) {
  shape4 s{1, static_cast<std::ptrdiff_t>(img.height), static_cast<std::ptrdiff_t>(img.width),
           static_cast<std::ptrdiff_t>(img.channels)};
  if constexpr (has_batch_count<I>) s.count = static_cast<std::ptrdiff_t>(img.count);
  return s;
}

template <class I>
void check_image(const char* metric, const char* name, const I& img) {
  const shape4 s = image_shape(img);
  HAMGEN_CHECK_SHAPE(s.count > 0 && s.height > 0 && s.width > 0 && s.channels > 0, metric, ": ", name,
                     " has an empty or negative shape ", s.count, "x", s.height, "x", s.width, "x",
                     s.channels);
  const auto expected = static_cast<std::size_t>(s.count * s.height * s.width * s.channels);
  HAMGEN_CHECK_SHAPE(std::size(img.pixels) == expected, metric, ": ", name, " of shape ", s.count, "x",
                     s.height, "x", s.width, "x", s.channels, " needs ", expected, " pixels but holds ",
                     std::size(img.pixels));
  using T = image_pixel_t<I>;
  if constexpr (!std::is_same_v<T, std::uint8_t>)
    check_finite_buffer(metric, name, std::data(img.pixels), std::size(img.pixels));
}

template <class A, class B>
void check_pair(const char* metric, const A& a, const B& b) {
  static_assert(std::is_same_v<image_pixel_t<A>, image_pixel_t<B>>,
                "hamgen::metrics: both images must have the same pixel type (uint8, float or double)");
  check_image(metric, "a", a);
  check_image(metric, "b", b);
  const shape4 sa = image_shape(a), sb = image_shape(b);
  HAMGEN_CHECK_SHAPE(
      sa.count == sb.count && sa.height == sb.height && sa.width == sb.width && sa.channels == sb.channels,
      metric, ": shapes differ: a is ", sa.count, "x", sa.height, "x", sa.width, "x", sa.channels, ", b is ",
      sb.count, "x", sb.height, "x", sb.width, "x", sb.channels, " (N x H x W x C)");
}

template <class T>
double mse_buffer(const T* a, const T* b, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    sum += d * d;
  }
  return sum / static_cast<double>(n);
}

inline double psnr_from_mse(double mse, double data_range) {
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(data_range * data_range / mse);
}

inline void check_ssim_options(const ssim_options& o) {
  HAMGEN_CHECK(o.window_size >= 1 && o.window_size % 2 == 1, "ssim: window_size must be odd and >= 1, got ",
               o.window_size);
  HAMGEN_CHECK(std::isfinite(o.sigma) && o.sigma > 0.0, "ssim: sigma must be finite and > 0, got ", o.sigma);
  HAMGEN_CHECK(std::isfinite(o.k1) && o.k1 > 0.0, "ssim: k1 must be finite and > 0, got ", o.k1);
  HAMGEN_CHECK(std::isfinite(o.k2) && o.k2 > 0.0, "ssim: k2 must be finite and > 0, got ", o.k2);
  HAMGEN_CHECK(!o.sample_covariance || o.window_size > 1, "ssim: sample_covariance needs window_size > 1");
}

/// Normalised 1-D Gaussian taps exp(-k^2 / (2 sigma^2)), k = -r..r, summing to 1.
inline std::vector<double> gaussian_taps(int window_size, double sigma) {
  const int r = window_size / 2;
  std::vector<double> g(static_cast<std::size_t>(window_size));
  double sum = 0.0;
  for (int k = -r; k <= r; ++k) {
    const double v = std::exp(-static_cast<double>(k * k) / (2.0 * sigma * sigma));
    g[static_cast<std::size_t>(k + r)] = v;
    sum += v;
  }
  for (double& v : g) v /= sum;
  return g;
}

/// Mean SSIM of one channel over the valid window positions. get_a(y, x), get_b(y, x) return doubles.
template <class GetA, class GetB>
double ssim_plane(const GetA& get_a, const GetB& get_b, std::ptrdiff_t height, std::ptrdiff_t width,
                  const std::vector<double>& g, double data_range, const ssim_options& o) {
  const auto w = static_cast<std::ptrdiff_t>(g.size());
  const std::ptrdiff_t ho = height - w + 1, wo = width - w + 1;
  const double c1 = (o.k1 * data_range) * (o.k1 * data_range);
  const double c2 = (o.k2 * data_range) * (o.k2 * data_range);
  const double n = static_cast<double>(w * w);
  const double cov_norm = o.sample_covariance ? n / (n - 1.0) : 1.0;
  // Horizontal pass (valid columns) of a, b, a^2, b^2, ab for every row.
  const auto cells = static_cast<std::size_t>(height * wo);
  std::vector<double> ha(cells), hb(cells), haa(cells), hbb(cells), hab(cells);
  for (std::ptrdiff_t y = 0; y < height; ++y)
    for (std::ptrdiff_t x = 0; x < wo; ++x) {
      double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (std::ptrdiff_t k = 0; k < w; ++k) {
        const double gk = g[static_cast<std::size_t>(k)];
        const double va = get_a(y, x + k), vb = get_b(y, x + k);
        sa += gk * va;
        sb += gk * vb;
        saa += gk * va * va;
        sbb += gk * vb * vb;
        sab += gk * va * vb;
      }
      const auto i = static_cast<std::size_t>(y * wo + x);
      ha[i] = sa;
      hb[i] = sb;
      haa[i] = saa;
      hbb[i] = sbb;
      hab[i] = sab;
    }
  // Vertical pass (valid rows) and the SSIM map.
  double total = 0.0;
  for (std::ptrdiff_t y = 0; y < ho; ++y)
    for (std::ptrdiff_t x = 0; x < wo; ++x) {
      double ma = 0, mb = 0, maa = 0, mbb = 0, mab = 0;
      for (std::ptrdiff_t k = 0; k < w; ++k) {
        const double gk = g[static_cast<std::size_t>(k)];
        const auto i = static_cast<std::size_t>((y + k) * wo + x);
        ma += gk * ha[i];
        mb += gk * hb[i];
        maa += gk * haa[i];
        mbb += gk * hbb[i];
        mab += gk * hab[i];
      }
      const double va = cov_norm * (maa - ma * ma);
      const double vb = cov_norm * (mbb - mb * mb);
      const double vab = cov_norm * (mab - ma * mb);
      total += ((2.0 * ma * mb + c1) * (2.0 * vab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
    }
  return total / static_cast<double>(ho * wo);
}

template <class T>
double ssim_interleaved(const T* a, const T* b, std::ptrdiff_t height, std::ptrdiff_t width,
                        std::ptrdiff_t channels, const std::vector<double>& g, double data_range,
                        const ssim_options& o) {
  double sum = 0.0;
  for (std::ptrdiff_t c = 0; c < channels; ++c) {
    auto get_a = [=](std::ptrdiff_t y, std::ptrdiff_t x) {
      return static_cast<double>(a[(y * width + x) * channels + c]);
    };
    auto get_b = [=](std::ptrdiff_t y, std::ptrdiff_t x) {
      return static_cast<double>(b[(y * width + x) * channels + c]);
    };
    sum += ssim_plane(get_a, get_b, height, width, g, data_range, o);
  }
  return sum / static_cast<double>(channels);
}

inline void check_ssim_size(std::ptrdiff_t height, std::ptrdiff_t width, int window_size) {
  HAMGEN_CHECK_SHAPE(height >= window_size && width >= window_size, "ssim: image of ", height, "x", width,
                     " is smaller than the ", window_size, "x", window_size, " window");
}

template <class A, class B>
void check_eigen_pair(const char* metric, const Eigen::DenseBase<A>& a, const Eigen::DenseBase<B>& b) {
  static_assert(std::is_same_v<typename A::Scalar, typename B::Scalar>,
                "hamgen::metrics: both images must have the same scalar type");
  check_non_empty(metric, "a", a);
  check_same_shape(metric, "a", a, "b", b);
  if constexpr (!std::is_integral_v<typename A::Scalar>) {
    check_finite_matrix(metric, "a", a);
    check_finite_matrix(metric, "b", b);
  }
}

} // namespace detail

// ---------------------------------------------------------------------------------------------------------
// Single-channel images as Eigen matrices or arrays (rows = height, cols = width).

/// Mean squared error of two equally shaped single-channel images.
template <class A, class B>
double mse(const Eigen::DenseBase<A>& a, const Eigen::DenseBase<B>& b) {
  detail::check_eigen_pair("mse", a, b);
  double sum = 0.0;
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      const double d = static_cast<double>(a(i, j)) - static_cast<double>(b(i, j));
      sum += d * d;
    }
  return sum / static_cast<double>(a.size());
}

/// PSNR in dB; +infinity for identical images. data_range 0 means 255 for uint8 scalars.
template <class A, class B>
double psnr(const Eigen::DenseBase<A>& a, const Eigen::DenseBase<B>& b, double data_range = 0.0) {
  const double range = detail::resolve_data_range<typename A::Scalar>("psnr", data_range);
  detail::check_eigen_pair("psnr", a, b);
  return detail::psnr_from_mse(mse(a, b), range);
}

/// Mean SSIM (Wang et al. 2004) of two single-channel images over the valid window positions.
template <class A, class B>
double ssim(const Eigen::DenseBase<A>& a, const Eigen::DenseBase<B>& b, const ssim_options& options = {}) {
  detail::check_ssim_options(options);
  const double range = detail::resolve_data_range<typename A::Scalar>("ssim", options.data_range);
  detail::check_eigen_pair("ssim", a, b);
  detail::check_ssim_size(a.rows(), a.cols(), options.window_size);
  const auto g = detail::gaussian_taps(options.window_size, options.sigma);
  auto get_a = [&](std::ptrdiff_t y, std::ptrdiff_t x) { return static_cast<double>(a(y, x)); };
  auto get_b = [&](std::ptrdiff_t y, std::ptrdiff_t x) { return static_cast<double>(b(y, x)); };
  return detail::ssim_plane(get_a, get_b, a.rows(), a.cols(), g, range, options);
}

// ---------------------------------------------------------------------------------------------------------
// Interleaved H x W x C images (io::image8, image_view, ...).

/// Mean squared error over all H*W*C samples.
template <interleaved_image A, interleaved_image B>
double mse(const A& a, const B& b) {
  detail::check_pair("mse", a, b);
  return detail::mse_buffer(std::data(a.pixels), std::data(b.pixels), std::size(a.pixels));
}

/// PSNR in dB; +infinity for identical images. data_range 0 means 255 for uint8 pixels.
template <interleaved_image A, interleaved_image B>
double psnr(const A& a, const B& b, double data_range = 0.0) {
  const double range = detail::resolve_data_range<image_pixel_t<A>>("psnr", data_range);
  detail::check_pair("psnr", a, b);
  return detail::psnr_from_mse(
      detail::mse_buffer(std::data(a.pixels), std::data(b.pixels), std::size(a.pixels)), range);
}

/// Mean SSIM over the valid window positions, averaged over channels.
template <interleaved_image A, interleaved_image B>
double ssim(const A& a, const B& b, const ssim_options& options = {}) {
  detail::check_ssim_options(options);
  const double range = detail::resolve_data_range<image_pixel_t<A>>("ssim", options.data_range);
  detail::check_pair("ssim", a, b);
  const auto s = detail::image_shape(a);
  detail::check_ssim_size(s.height, s.width, options.window_size);
  const auto g = detail::gaussian_taps(options.window_size, options.sigma);
  return detail::ssim_interleaved(std::data(a.pixels), std::data(b.pixels), s.height, s.width, s.channels, g,
                                  range, options);
}

// ---------------------------------------------------------------------------------------------------------
// Batches N x H x W x C: one value per image.

/// Per-image MSE (length N).
template <interleaved_image_batch A, interleaved_image_batch B>
Eigen::VectorXd mse(const A& a, const B& b) {
  detail::check_pair("mse", a, b);
  const auto s = detail::image_shape(a);
  const auto per = static_cast<std::size_t>(s.height * s.width * s.channels);
  Eigen::VectorXd out(s.count);
  for (std::ptrdiff_t n = 0; n < s.count; ++n)
    out[n] = detail::mse_buffer(std::data(a.pixels) + static_cast<std::size_t>(n) * per,
                                std::data(b.pixels) + static_cast<std::size_t>(n) * per, per);
  return out;
}

/// Per-image PSNR in dB (length N); +infinity where a pair is identical.
template <interleaved_image_batch A, interleaved_image_batch B>
Eigen::VectorXd psnr(const A& a, const B& b, double data_range = 0.0) {
  const double range = detail::resolve_data_range<image_pixel_t<A>>("psnr", data_range);
  Eigen::VectorXd out = mse(a, b);
  for (Eigen::Index n = 0; n < out.size(); ++n) out[n] = detail::psnr_from_mse(out[n], range);
  return out;
}

/// Per-image mean SSIM (length N).
template <interleaved_image_batch A, interleaved_image_batch B>
Eigen::VectorXd ssim(const A& a, const B& b, const ssim_options& options = {}) {
  detail::check_ssim_options(options);
  const double range = detail::resolve_data_range<image_pixel_t<A>>("ssim", options.data_range);
  detail::check_pair("ssim", a, b);
  const auto s = detail::image_shape(a);
  detail::check_ssim_size(s.height, s.width, options.window_size);
  const auto g = detail::gaussian_taps(options.window_size, options.sigma);
  const auto per = static_cast<std::size_t>(s.height * s.width * s.channels);
  Eigen::VectorXd out(s.count);
  for (std::ptrdiff_t n = 0; n < s.count; ++n)
    out[n] = detail::ssim_interleaved(std::data(a.pixels) + static_cast<std::size_t>(n) * per,
                                      std::data(b.pixels) + static_cast<std::size_t>(n) * per, s.height,
                                      s.width, s.channels, g, range, options);
  return out;
}

} // namespace hamgen::metrics
