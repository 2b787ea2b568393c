#include <hamgen/io/gif.hpp>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using hamgen::io::image8;

namespace {
struct gif_reader {
  GifFileType* g = nullptr;
  explicit gif_reader(const fs::path& p) {
    int err = 0;
    g = DGifOpenFileName(p.c_str(), &err);
    REQUIRE(g != nullptr);
    REQUIRE(DGifSlurp(g) == GIF_OK);
  }
  ~gif_reader() {
    int err = 0;
    DGifCloseFile(g, &err);
  }
  std::array<int, 3> pixel(int frame, int x, int y) const {
    const SavedImage& im = g->SavedImages[frame];
    const int idx = im.RasterBits[y * im.ImageDesc.Width + x];
    const ColorMapObject* cm = im.ImageDesc.ColorMap ? im.ImageDesc.ColorMap : g->SColorMap;
    return {cm->Colors[idx].Red, cm->Colors[idx].Green, cm->Colors[idx].Blue};
  }
};
} // namespace

TEST_CASE("gif writer stores every frame with exact colours and scaling", "[io][gif]") {
  const fs::path d = fs::path(HAMGEN_TEST_TMPDIR) / "gif";
  fs::create_directories(d);
  std::vector<image8> frames;
  for (int f = 0; f < 4; ++f) {
    image8 img(5, 3, 3);
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 5; ++x) {
        auto* p = img.at(x, y);
        p[0] = static_cast<std::uint8_t>(40 * x + f);
        p[1] = static_cast<std::uint8_t>(60 * y);
        p[2] = 93;
      }
    frames.push_back(img);
  }
  hamgen::io::write_gif(d / "a.gif", frames, {.delay_cs = 7, .scale = 2});
  CHECK_FALSE(fs::exists(d / "a.gif.tmp"));
  gif_reader r(d / "a.gif");
  CHECK(r.g->ImageCount == 4);
  CHECK(r.g->SWidth == 10);
  CHECK(r.g->SHeight == 6);
  for (int f = 0; f < 4; ++f)
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 10; ++x) {
        const auto px = r.pixel(f, x, y);
        CHECK(px == std::array<int, 3>{40 * (x / 2) + f, 60 * (y / 2), 93});
      }
}

TEST_CASE("gif writer quantises many colours and rejects bad frames", "[io][gif]") {
  const fs::path d = fs::path(HAMGEN_TEST_TMPDIR) / "gif";
  fs::create_directories(d);
  image8 img(32, 32, 3);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<std::uint8_t>(i * 31 % 256);
  hamgen::io::write_gif(d / "many.gif", {img, img});
  gif_reader r(d / "many.gif");
  CHECK(r.g->ImageCount == 2);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      const auto px = r.pixel(1, x, y);
      for (int c = 0; c < 3; ++c) CHECK(std::abs(px[static_cast<std::size_t>(c)] - img.at(x, y)[c]) <= 26);
    }
  CHECK_THROWS_AS(hamgen::io::write_gif(d / "none.gif", {}), hamgen::shape_error);
  CHECK_THROWS_AS(hamgen::io::write_gif(d / "mixed.gif", {img, image8(16, 16, 3)}), hamgen::shape_error);
  CHECK_THROWS_AS(hamgen::io::write_gif(d / "no_dir" / "x.gif", {img}), hamgen::io_error);
}
