// hamgen/io/plot.hpp
//
// Represents: a small line-plot rasterizer onto hamgen::io::image8 (RGB): axes, ticks, tick labels,
//             axis labels, a title and a legend, text drawn with a built-in 5×7 bitmap font (ASCII
//             32–126, drawn for hamgen). Linear or base-10 logarithmic y axis. Several plots can be
//             tiled into one picture (render_grid) and written with io::write_png.
// Requires:   every series has as many x as y values, all finite; on a log y axis every y > 0
//             (value_error naming the series, the index and the value otherwise; shape_error for
//             mismatched sizes). Panel sizes of at least 200 × 150 pixels.
// Ensures:    deterministic pixels: a data point (x, y) lands on to_pixel(x, y) of the panel's
//             plot area (plot_area()), lines are 2 pixels wide and clipped to the plot area; axis
//             ranges are the data range (log axis: widened to whole decades) unless set in the
//             options. Colours cycle through a 10-colour palette unless given.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/io/png.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace hamgen::io {

struct rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const rgb&) const = default;
};

/// A 10-colour qualitative palette (distinct on white).
inline constexpr std::array<rgb, 10> plot_palette{{{31, 119, 180},
                                                   {214, 39, 40},
                                                   {44, 160, 44},
                                                   {255, 127, 14},
                                                   {148, 103, 189},
                                                   {140, 86, 75},
                                                   {227, 119, 194},
                                                   {23, 190, 207},
                                                   {188, 189, 34},
                                                   {90, 90, 90}}};

struct plot_options {
  std::string title{};
  std::string x_label{};
  std::string y_label{};
  bool log_y = false;
  int width = 900;             ///< panel width in pixels
  int height = 560;            ///< panel height in pixels
  int text_scale = 2;          ///< font magnification (1: 5×7 pixel glyphs)
  bool legend_outside = false; ///< legend in a column right of the plot area instead of inside it
  double x_min = std::numeric_limits<double>::quiet_NaN(); ///< NaN: from the data
  double x_max = std::numeric_limits<double>::quiet_NaN();
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
};

/// A pixel rectangle [x0, x1) × [y0, y1).
struct pixel_rect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

namespace detail {

// 5×7 glyphs for ASCII 32..126; each row is 5 bits, most significant bit = leftmost pixel.
// clang-format off
inline constexpr std::array<std::array<std::uint8_t, 7>, 95> font5x7{{
  {0x00,0x00,0x00,0x00,0x00,0x00,0x00}, // ' '
  {0x04,0x04,0x04,0x04,0x04,0x00,0x04}, // !
  {0x0A,0x0A,0x0A,0x00,0x00,0x00,0x00}, // "
  {0x0A,0x0A,0x1F,0x0A,0x1F,0x0A,0x0A}, // #
  {0x04,0x0F,0x14,0x0E,0x05,0x1E,0x04}, // $
  {0x18,0x19,0x02,0x04,0x08,0x13,0x03}, // %
  {0x0C,0x12,0x14,0x08,0x15,0x12,0x0D}, // &
  {0x0C,0x04,0x08,0x00,0x00,0x00,0x00}, // '
  {0x02,0x04,0x08,0x08,0x08,0x04,0x02}, // (
  {0x08,0x04,0x02,0x02,0x02,0x04,0x08}, // )
  {0x00,0x04,0x15,0x0E,0x15,0x04,0x00}, // *
  {0x00,0x04,0x04,0x1F,0x04,0x04,0x00}, // +
  {0x00,0x00,0x00,0x00,0x0C,0x04,0x08}, // ,
  {0x00,0x00,0x00,0x1F,0x00,0x00,0x00}, // -
  {0x00,0x00,0x00,0x00,0x00,0x0C,0x0C}, // .
  {0x00,0x01,0x02,0x04,0x08,0x10,0x00}, // /
  {0x0E,0x11,0x13,0x15,0x19,0x11,0x0E}, // 0
  {0x04,0x0C,0x04,0x04,0x04,0x04,0x0E}, // 1
  {0x0E,0x11,0x01,0x02,0x04,0x08,0x1F}, // 2
  {0x1F,0x02,0x04,0x02,0x01,0x11,0x0E}, // 3
  {0x02,0x06,0x0A,0x12,0x1F,0x02,0x02}, // 4
  {0x1F,0x10,0x1E,0x01,0x01,0x11,0x0E}, // 5
  {0x06,0x08,0x10,0x1E,0x11,0x11,0x0E}, // 6
  {0x1F,0x01,0x02,0x04,0x08,0x08,0x08}, // 7
  {0x0E,0x11,0x11,0x0E,0x11,0x11,0x0E}, // 8
  {0x0E,0x11,0x11,0x0F,0x01,0x02,0x0C}, // 9
  {0x00,0x0C,0x0C,0x00,0x0C,0x0C,0x00}, // :
  {0x00,0x0C,0x0C,0x00,0x0C,0x04,0x08}, // ;
  {0x02,0x04,0x08,0x10,0x08,0x04,0x02}, // <
  {0x00,0x00,0x1F,0x00,0x1F,0x00,0x00}, // =
  {0x08,0x04,0x02,0x01,0x02,0x04,0x08}, // >
  {0x0E,0x11,0x01,0x02,0x04,0x00,0x04}, // ?
  {0x0E,0x11,0x01,0x0D,0x15,0x15,0x0E}, // @
  {0x0E,0x11,0x11,0x11,0x1F,0x11,0x11}, // A
  {0x1E,0x11,0x11,0x1E,0x11,0x11,0x1E}, // B
  {0x0E,0x11,0x10,0x10,0x10,0x11,0x0E}, // C
  {0x1C,0x12,0x11,0x11,0x11,0x12,0x1C}, // D
  {0x1F,0x10,0x10,0x1E,0x10,0x10,0x1F}, // E
  {0x1F,0x10,0x10,0x1E,0x10,0x10,0x10}, // F
  {0x0E,0x11,0x10,0x17,0x11,0x11,0x0F}, // G
  {0x11,0x11,0x11,0x1F,0x11,0x11,0x11}, // H
  {0x0E,0x04,0x04,0x04,0x04,0x04,0x0E}, // I
  {0x07,0x02,0x02,0x02,0x02,0x12,0x0C}, // J
  {0x11,0x12,0x14,0x18,0x14,0x12,0x11}, // K
  {0x10,0x10,0x10,0x10,0x10,0x10,0x1F}, // L
  {0x11,0x1B,0x15,0x15,0x11,0x11,0x11}, // M
  {0x11,0x11,0x19,0x15,0x13,0x11,0x11}, // N
  {0x0E,0x11,0x11,0x11,0x11,0x11,0x0E}, // O
  {0x1E,0x11,0x11,0x1E,0x10,0x10,0x10}, // P
  {0x0E,0x11,0x11,0x11,0x15,0x12,0x0D}, // Q
  {0x1E,0x11,0x11,0x1E,0x14,0x12,0x11}, // R
  {0x0F,0x10,0x10,0x0E,0x01,0x01,0x1E}, // S
  {0x1F,0x04,0x04,0x04,0x04,0x04,0x04}, // T
  {0x11,0x11,0x11,0x11,0x11,0x11,0x0E}, // U
  {0x11,0x11,0x11,0x11,0x11,0x0A,0x04}, // V
  {0x11,0x11,0x11,0x15,0x15,0x15,0x0A}, // W
  {0x11,0x11,0x0A,0x04,0x0A,0x11,0x11}, // X
  {0x11,0x11,0x11,0x0A,0x04,0x04,0x04}, // Y
  {0x1F,0x01,0x02,0x04,0x08,0x10,0x1F}, // Z
  {0x0E,0x08,0x08,0x08,0x08,0x08,0x0E}, // [
  {0x00,0x10,0x08,0x04,0x02,0x01,0x00}, // backslash
  {0x0E,0x02,0x02,0x02,0x02,0x02,0x0E}, // ]
  {0x04,0x0A,0x11,0x00,0x00,0x00,0x00}, // ^
  {0x00,0x00,0x00,0x00,0x00,0x00,0x1F}, // _
  {0x08,0x04,0x02,0x00,0x00,0x00,0x00}, // `
  {0x00,0x00,0x0E,0x01,0x0F,0x11,0x0F}, // a
  {0x10,0x10,0x16,0x19,0x11,0x11,0x1E}, // b
  {0x00,0x00,0x0E,0x10,0x10,0x11,0x0E}, // c
  {0x01,0x01,0x0D,0x13,0x11,0x11,0x0F}, // d
  {0x00,0x00,0x0E,0x11,0x1F,0x10,0x0E}, // e
  {0x06,0x09,0x08,0x1C,0x08,0x08,0x08}, // f
  {0x00,0x0F,0x11,0x11,0x0F,0x01,0x0E}, // g
  {0x10,0x10,0x16,0x19,0x11,0x11,0x11}, // h
  {0x04,0x00,0x0C,0x04,0x04,0x04,0x0E}, // i
  {0x02,0x00,0x06,0x02,0x02,0x12,0x0C}, // j
  {0x10,0x10,0x12,0x14,0x18,0x14,0x12}, // k
  {0x0C,0x04,0x04,0x04,0x04,0x04,0x0E}, // l
  {0x00,0x00,0x1A,0x15,0x15,0x11,0x11}, // m
  {0x00,0x00,0x16,0x19,0x11,0x11,0x11}, // n
  {0x00,0x00,0x0E,0x11,0x11,0x11,0x0E}, // o
  {0x00,0x00,0x1E,0x11,0x1E,0x10,0x10}, // p
  {0x00,0x00,0x0D,0x13,0x0F,0x01,0x01}, // q
  {0x00,0x00,0x16,0x19,0x10,0x10,0x10}, // r
  {0x00,0x00,0x0E,0x10,0x0E,0x01,0x1E}, // s
  {0x08,0x08,0x1C,0x08,0x08,0x09,0x06}, // t
  {0x00,0x00,0x11,0x11,0x11,0x13,0x0D}, // u
  {0x00,0x00,0x11,0x11,0x11,0x0A,0x04}, // v
  {0x00,0x00,0x11,0x11,0x15,0x15,0x0A}, // w
  {0x00,0x00,0x11,0x0A,0x04,0x0A,0x11}, // x
  {0x00,0x00,0x11,0x11,0x0F,0x01,0x0E}, // y
  {0x00,0x00,0x1F,0x02,0x04,0x08,0x1F}, // z
  {0x02,0x04,0x04,0x08,0x04,0x04,0x02}, // {
  {0x04,0x04,0x04,0x04,0x04,0x04,0x04}, // |
  {0x08,0x04,0x04,0x02,0x04,0x04,0x08}, // }
  {0x00,0x00,0x08,0x15,0x02,0x00,0x00}, // ~
}};
// clang-format on

inline void put_pixel(image8& img, int x, int y, rgb c) {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  std::uint8_t* px = img.at(x, y);
  px[0] = c.r;
  if (img.channels >= 3) {
    px[1] = c.g;
    px[2] = c.b;
  }
}

inline void fill_rect(image8& img, int x0, int y0, int x1, int y1, rgb c) {
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) put_pixel(img, x, y, c);
}

} // namespace detail

/// Width in pixels of `text` drawn at `scale`.
inline int text_width(const std::string& text, int scale) {
  return static_cast<int>(text.size()) * 6 * scale;
}
/// Height in pixels of one line of text at `scale`.
inline int text_height(int scale) { return 7 * scale; }

/// Draws `text` with its top-left corner at (x, y). `vertical` rotates it 90° counter-clockwise
/// (reading bottom to top; (x, y) is then the bottom-left corner).
inline void draw_text(image8& img, int x, int y, const std::string& text, rgb color, int scale = 1,
                      bool vertical = false) {
  int pen = 0;
  for (char ch : text) {
    const int code = static_cast<unsigned char>(ch);
    const auto& glyph = detail::font5x7[(code >= 32 && code <= 126) ? code - 32 : '?' - 32];
    for (int row = 0; row < 7; ++row)
      for (int col = 0; col < 5; ++col) {
        if (!(glyph[static_cast<std::size_t>(row)] & (0x10 >> col))) continue;
        for (int sy = 0; sy < scale; ++sy)
          for (int sx = 0; sx < scale; ++sx) {
            const int gx = (pen + col) * scale + sx, gy = row * scale + sy;
            if (vertical)
              detail::put_pixel(img, x + gy, y - gx, color);
            else
              detail::put_pixel(img, x + gx, y + gy, color);
          }
      }
    pen += 6;
  }
}

/// A line plot: several series over shared axes.
class line_plot {
public:
  struct series {
    std::string label;
    std::vector<double> x, y;
    rgb color;
  };

  explicit line_plot(plot_options opts = {}) : opts_(std::move(opts)) {
    check<shape_error>(opts_.width >= 200 && opts_.height >= 150 && opts_.text_scale >= 1,
                       "line_plot: panel of ", opts_.width, "x", opts_.height, " (text scale ",
                       opts_.text_scale, ") is too small; need at least 200x150");
  }

  const plot_options& options() const { return opts_; }
  const std::vector<series>& all_series() const { return series_; }

  /// Adds a series; colour from the palette unless `color` is given.
  line_plot& add(std::string label, std::vector<double> x, std::vector<double> y,
                 const rgb* color = nullptr) {
    check<shape_error>(x.size() == y.size(), "line_plot::add: series '", label, "' has ", x.size(), " x and ",
                       y.size(), " y values");
    for (std::size_t i = 0; i < x.size(); ++i) {
      HAMGEN_CHECK(std::isfinite(x[i]) && std::isfinite(y[i]), "line_plot::add: series '", label,
                   "' has a non-finite point ", i, " (", x[i], ", ", y[i], ")");
      HAMGEN_CHECK(!opts_.log_y || y[i] > 0, "line_plot::add: log y axis needs positive values; series '",
                   label, "' has y[", i, "] = ", y[i]);
    }
    const rgb c = color ? *color : plot_palette[series_.size() % plot_palette.size()];
    series_.push_back({std::move(label), std::move(x), std::move(y), c});
    return *this;
  }

  /// The data area inside a panel whose top-left corner is at the origin.
  pixel_rect plot_area() const {
    const int s = opts_.text_scale;
    const int left = 2 * text_height(s) + text_width("-0.0000", s) + 6;
    const int top = text_height(s) * 2 + 6;
    const int bottom = text_height(s) * 3 + 12;
    int right = 12 * s;
    if (opts_.legend_outside && !series_.empty()) right += legend_width() + 8 * s;
    return {left, top, opts_.width - right, opts_.height - bottom};
  }

  /// The axis ranges actually used: {x_lo, x_hi, y_lo, y_hi} (log axis: in log10 units).
  std::array<double, 4> ranges() const {
    double xl = std::numeric_limits<double>::infinity(), xh = -xl, yl = xl, yh = -xl;
    for (const auto& s : series_)
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        xl = std::min(xl, s.x[i]);
        xh = std::max(xh, s.x[i]);
        const double y = opts_.log_y ? std::log10(s.y[i]) : s.y[i];
        yl = std::min(yl, y);
        yh = std::max(yh, y);
      }
    if (!std::isfinite(xl)) xl = 0, xh = 1, yl = 0, yh = 1;
    if (!std::isnan(opts_.x_min)) xl = opts_.x_min;
    if (!std::isnan(opts_.x_max)) xh = opts_.x_max;
    if (!std::isnan(opts_.y_min)) yl = opts_.log_y ? std::log10(opts_.y_min) : opts_.y_min;
    if (!std::isnan(opts_.y_max)) yh = opts_.log_y ? std::log10(opts_.y_max) : opts_.y_max;
    if (opts_.log_y) {
      if (std::isnan(opts_.y_min)) yl = std::floor(yl);
      if (std::isnan(opts_.y_max)) yh = std::ceil(yh);
    }
    if (xh <= xl) xh = xl + 1;
    if (yh <= yl) {
      const double pad = opts_.log_y ? 1.0 : std::max(1e-12, std::abs(yl) * 0.1);
      yl -= pad;
      yh += pad;
    }
    return {xl, xh, yl, yh};
  }

  /// The pixel (column, row) of data point (x, y) in a panel at the origin (not clipped).
  std::pair<double, double> to_pixel(double x, double y) const {
    const auto r = ranges();
    const auto a = plot_area();
    const double yv = opts_.log_y ? std::log10(y) : y;
    const double px = a.x0 + (x - r[0]) / (r[1] - r[0]) * (a.x1 - 1 - a.x0);
    const double py = (a.y1 - 1) - (yv - r[2]) / (r[3] - r[2]) * (a.y1 - 1 - a.y0);
    return {px, py};
  }

  /// Draws the panel into `img` with its top-left corner at (ox, oy).
  void render_into(image8& img, int ox, int oy) const {
    const rgb white{255, 255, 255}, black{0, 0, 0}, grid{225, 225, 225}, dark{60, 60, 60};
    const int s = opts_.text_scale;
    detail::fill_rect(img, ox, oy, ox + opts_.width, oy + opts_.height, white);
    const auto a = plot_area();
    const auto r = ranges();
    const int X0 = ox + a.x0, X1 = ox + a.x1, Y0 = oy + a.y0, Y1 = oy + a.y1;
    // Ticks and grid.
    for (const auto& [v, label] : ticks(r[0], r[1], false)) {
      const int px = ox + static_cast<int>(std::lround(to_pixel(v, opts_.log_y ? 1.0 : 0.0).first));
      for (int y = Y0; y < Y1; ++y) detail::put_pixel(img, px, y, grid);
      for (int y = Y1; y < Y1 + 4 * s; ++y) detail::put_pixel(img, px, y, black);
      draw_text(img, px - text_width(label, s) / 2, Y1 + 5 * s, label, black, s);
    }
    for (const auto& [v, label] : ticks(r[2], r[3], opts_.log_y)) {
      const double yv = opts_.log_y ? std::pow(10.0, v) : v;
      const int py = oy + static_cast<int>(std::lround(to_pixel(r[0], yv).second));
      for (int x = X0; x < X1; ++x) detail::put_pixel(img, x, py, grid);
      for (int x = X0 - 4 * s; x < X0; ++x) detail::put_pixel(img, x, py, black);
      draw_text(img, X0 - 6 * s - text_width(label, s), py - text_height(s) / 2, label, black, s);
    }
    // Frame.
    for (int x = X0; x < X1; ++x) {
      detail::put_pixel(img, x, Y0, black);
      detail::put_pixel(img, x, Y1 - 1, black);
    }
    for (int y = Y0; y < Y1; ++y) {
      detail::put_pixel(img, X0, y, black);
      detail::put_pixel(img, X1 - 1, y, black);
    }
    // Series, clipped to the plot area.
    for (const auto& sr : series_) {
      for (std::size_t i = 0; i + 1 < sr.x.size(); ++i) {
        const auto [xa, ya] = to_pixel(sr.x[i], sr.y[i]);
        const auto [xb, yb] = to_pixel(sr.x[i + 1], sr.y[i + 1]);
        draw_line(img, ox + xa, oy + ya, ox + xb, oy + yb, sr.color, a, ox, oy);
      }
      if (sr.x.size() == 1) {
        const auto [xa, ya] = to_pixel(sr.x[0], sr.y[0]);
        draw_line(img, ox + xa, oy + ya, ox + xa, oy + ya, sr.color, a, ox, oy);
      }
    }
    // Title, axis labels.
    draw_text(img, ox + (a.x0 + a.x1) / 2 - text_width(opts_.title, s) / 2, oy + 4, opts_.title, black, s);
    draw_text(img, ox + (a.x0 + a.x1) / 2 - text_width(opts_.x_label, s) / 2,
              Y1 + 5 * s + text_height(s) + 4 * s, opts_.x_label, dark, s);
    draw_text(img, ox + 4, oy + (a.y0 + a.y1) / 2 + text_width(opts_.y_label, s) / 2, opts_.y_label, dark, s,
              true);
    // Legend (top-left inside the plot area, or right of it, on a white box).
    if (!series_.empty()) {
      const int line_h = text_height(s) + 4 * s, sample = 14 * s;
      const int bx = opts_.legend_outside ? X1 + 8 * s : X0 + 8 * s,
                by = opts_.legend_outside ? Y0 : Y0 + 6 * s;
      const int bw = legend_width(), bh = static_cast<int>(series_.size()) * line_h + 4 * s;
      detail::fill_rect(img, bx, by, bx + bw, by + bh, white);
      for (int x = bx; x < bx + bw; ++x) {
        detail::put_pixel(img, x, by, dark);
        detail::put_pixel(img, x, by + bh - 1, dark);
      }
      for (int y = by; y < by + bh; ++y) {
        detail::put_pixel(img, bx, y, dark);
        detail::put_pixel(img, bx + bw - 1, y, dark);
      }
      for (std::size_t k = 0; k < series_.size(); ++k) {
        const int ly = by + 3 * s + static_cast<int>(k) * line_h;
        detail::fill_rect(img, bx + 3 * s, ly + text_height(s) / 2 - s, bx + 3 * s + sample - 3 * s,
                          ly + text_height(s) / 2 + s, series_[k].color);
        draw_text(img, bx + sample + 4 * s, ly, series_[k].label, black, s);
      }
    }
  }

  /// The panel as its own image.
  image8 render() const {
    image8 img(opts_.width, opts_.height, 3, 255);
    render_into(img, 0, 0);
    return img;
  }

private:
  int legend_width() const {
    const int s = opts_.text_scale;
    int wmax = 0;
    for (const auto& sr : series_) wmax = std::max(wmax, text_width(sr.label, s));
    return wmax + 24 * s;
  }
  // Tick positions with labels; on a log axis v is log10(y) and ticks sit on whole decades.
  static std::vector<std::pair<double, std::string>> ticks(double lo, double hi, bool log) {
    std::vector<std::pair<double, std::string>> out;
    char buf[32];
    if (log) {
      const int first = static_cast<int>(std::ceil(lo - 1e-9)),
                last = static_cast<int>(std::floor(hi + 1e-9));
      const int stride = std::max(1, (last - first) / 8 + ((last - first) % 8 ? 1 : 0));
      for (int d = first; d <= last; d += stride) {
        std::snprintf(buf, sizeof buf, "1e%d", d);
        out.emplace_back(d, buf);
      }
      return out;
    }
    const double raw = (hi - lo) / 6.0;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / mag;
    const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * mag;
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) {
      const double shown = std::abs(v) < 1e-12 * step ? 0.0 : v;
      std::snprintf(buf, sizeof buf, "%g", shown);
      out.emplace_back(shown, buf);
    }
    return out;
  }
  // A 2-pixel-wide line from (xa, ya) to (xb, yb) (absolute pixels), clipped to area (panel at ox, oy).
  static void draw_line(image8& img, double xa, double ya, double xb, double yb, rgb c, const pixel_rect& a,
                        int ox, int oy) {
    const double len = std::max(std::abs(xb - xa), std::abs(yb - ya));
    const int n = static_cast<int>(std::ceil(len)) + 1;
    for (int k = 0; k <= n; ++k) {
      const double t = n == 0 ? 0.0 : double(k) / n;
      const int x = static_cast<int>(std::lround(xa + t * (xb - xa)));
      const int y = static_cast<int>(std::lround(ya + t * (yb - ya)));
      for (int dy = 0; dy < 2; ++dy)
        for (int dx = 0; dx < 2; ++dx) {
          const int px = x + dx, py = y + dy;
          if (px < ox + a.x0 + 1 || px >= ox + a.x1 - 1 || py < oy + a.y0 + 1 || py >= oy + a.y1 - 1)
            continue;
          detail::put_pixel(img, px, py, c);
        }
    }
  }

  plot_options opts_;
  std::vector<series> series_;
};

/// Tiles panels (all of the first panel's size) into a grid with `columns` columns.
inline image8 render_grid(const std::vector<line_plot>& panels, int columns) {
  check<shape_error>(!panels.empty() && columns >= 1, "render_grid: ", panels.size(), " panels in ", columns,
                     " columns");
  const int w = panels.front().options().width, h = panels.front().options().height;
  for (const auto& p : panels)
    check<shape_error>(p.options().width == w && p.options().height == h, "render_grid: panel of ",
                       p.options().width, "x", p.options().height, " differs from ", w, "x", h);
  const int n = static_cast<int>(panels.size());
  const int cols = std::min(columns, n), rows = (n + cols - 1) / cols;
  image8 img(cols * w, rows * h, 3, 255);
  for (int i = 0; i < n; ++i)
    panels[static_cast<std::size_t>(i)].render_into(img, (i % cols) * w, (i / cols) * h);
  return img;
}

} // namespace hamgen::io
