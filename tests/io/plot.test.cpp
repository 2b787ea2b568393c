#include <hamgen/io/plot.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

namespace io = hamgen::io;

namespace {
io::rgb pixel(const io::image8& img, int x, int y) {
  const auto* p = img.at(x, y);
  return {p[0], p[1], p[2]};
}
} // namespace

TEST_CASE("a known line lights the known pixels of the plot area", "[io][plot]") {
  io::line_plot plot({.width = 400, .height = 300, .x_min = 0, .x_max = 1, .y_min = 0, .y_max = 1});
  const io::rgb red{255, 0, 0};
  plot.add("half", {0.0, 1.0}, {0.5, 0.5}, &red);
  const auto img = plot.render();
  REQUIRE(img.width == 400);
  REQUIRE(img.height == 300);
  const auto area = plot.plot_area();
  const auto [x_mid, y_mid] = plot.to_pixel(0.5, 0.5);
  CHECK(x_mid == Approx((area.x0 + area.x1 - 1) / 2.0));
  CHECK(y_mid == Approx((area.y0 + area.y1 - 1) / 2.0));
  // The horizontal line y = 0.5 covers its row across the plot area (outside the legend box) ...
  const int row = static_cast<int>(std::lround(y_mid));
  int lit = 0;
  for (int x = area.x0 + 2; x < area.x1 - 2; ++x) lit += pixel(img, x, row) == red ? 1 : 0;
  CHECK(lit > (area.x1 - area.x0) * 3 / 5);
  CHECK(pixel(img, area.x1 - 10, row) == red);
  // ... and nothing red lies far from it inside the plot area's right half (no legend there).
  for (int y = area.y0 + 2; y < area.y1 - 2; ++y)
    if (std::abs(y - row) > 2) CHECK_FALSE(pixel(img, area.x1 - 10, y) == red);
  // Outside the plot area (margins) the line is clipped.
  CHECK_FALSE(pixel(img, area.x1 + 3, row) == red);
  // The frame is black.
  CHECK(pixel(img, area.x0, (area.y0 + area.y1) / 2) == io::rgb{0, 0, 0});
}

TEST_CASE("a log axis maps decades evenly and rejects non-positive data", "[io][plot]") {
  io::line_plot plot({.log_y = true, .width = 400, .height = 300});
  plot.add("decay", {0, 1, 2}, {1e-2, 1e-5, 1e-8});
  const auto r = plot.ranges();
  CHECK(r[2] == -8);
  CHECK(r[3] == -2);
  const double a = plot.to_pixel(0, 1e-2).second, b = plot.to_pixel(0, 1e-5).second,
               c = plot.to_pixel(0, 1e-8).second;
  CHECK(b - a == Approx(c - b));
  CHECK_THROWS_AS(plot.add("bad", {0, 1}, {1.0, 0.0}), hamgen::value_error);
  CHECK_THROWS_WITH(plot.add("bad", {0, 1}, {1.0, -2.0}),
                    Catch::Contains("log y axis needs positive values; series 'bad' has y[1] = -2"));
}

TEST_CASE("plot input errors and text", "[io][plot]") {
  io::line_plot plot;
  CHECK_THROWS_AS(plot.add("short", {0, 1, 2}, {0, 1}), hamgen::shape_error);
  CHECK_THROWS_WITH(plot.add("nan", {0, 1}, {0, std::nan("")}), Catch::Contains("non-finite point 1"));
  CHECK_THROWS_AS(io::line_plot({.width = 10, .height = 10}), hamgen::shape_error);
  // Text: the glyph '1' at scale 1 lights its stem column, ' ' lights nothing.
  io::image8 img(20, 10, 3, 255);
  io::draw_text(img, 0, 0, "1 ", {0, 0, 0}, 1);
  CHECK(img.at(2, 3)[0] == 0); // middle column of '1'
  CHECK(img.at(0, 3)[0] == 255);
  for (int x = 6; x < 12; ++x)
    for (int y = 0; y < 7; ++y) CHECK(img.at(x, y)[0] == 255);
  CHECK(io::text_width("abc", 2) == 36);
}

TEST_CASE("panels tile into a grid and the picture round-trips through PNG", "[io][plot]") {
  std::vector<io::line_plot> panels;
  for (int k = 0; k < 3; ++k) {
    panels.emplace_back(
        io::plot_options{.title = "panel", .width = 300, .height = 200, .legend_outside = true});
    panels.back().add("s", {0, 1, 2}, {0.0, 1.0 * k, 0.5});
  }
  const auto img = io::render_grid(panels, 2);
  CHECK(img.width == 600);
  CHECK(img.height == 400);
  const auto path = std::filesystem::path(HAMGEN_TEST_TMPDIR) / "plot_grid.png";
  std::filesystem::create_directories(HAMGEN_TEST_TMPDIR);
  io::write_png(path, img);
  CHECK(io::read_png(path).pixels == img.pixels);
  panels.emplace_back(io::plot_options{.width = 250, .height = 200});
  CHECK_THROWS_AS(io::render_grid(panels, 2), hamgen::shape_error);
}
