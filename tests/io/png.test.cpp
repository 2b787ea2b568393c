#include <hamgen/io/png.hpp>

#include <catch2/catch.hpp>

#include <fstream>

namespace fs = std::filesystem;

TEST_CASE("png round trip keeps every pixel", "[io][png]") {
  fs::create_directories(HAMGEN_TEST_TMPDIR);
  const fs::path path = fs::path(HAMGEN_TEST_TMPDIR) / "roundtrip.png";
  for (int channels : {1, 3, 4}) {
    hamgen::io::image8 img(7, 5, channels);
    for (std::size_t i = 0; i < img.pixels.size(); ++i)
      img.pixels[i] = static_cast<std::uint8_t>((i * 37 + 11) % 256);
    hamgen::io::write_png(path, img);
    CHECK_FALSE(fs::exists(path.string() + ".tmp"));
    const auto back = hamgen::io::read_png(path);
    CHECK(back.width == 7);
    CHECK(back.height == 5);
    CHECK(back.channels == channels);
    CHECK(back.pixels == img.pixels);
  }
}

TEST_CASE("png reader rejects missing, foreign and truncated files", "[io][png]") {
  fs::create_directories(HAMGEN_TEST_TMPDIR);
  const fs::path dir(HAMGEN_TEST_TMPDIR);
  CHECK_THROWS_AS(hamgen::io::read_png(dir / "does_not_exist.png"), hamgen::io_error);
  { std::ofstream(dir / "text.png") << "this is not a png"; }
  CHECK_THROWS_WITH(hamgen::io::read_png(dir / "text.png"), Catch::Contains("not a PNG"));
  hamgen::io::image8 img(64, 64, 3, 200);
  hamgen::io::write_png(dir / "full.png", img);
  const auto size = fs::file_size(dir / "full.png");
  fs::copy_file(dir / "full.png", dir / "cut.png", fs::copy_options::overwrite_existing);
  fs::resize_file(dir / "cut.png", size / 2);
  CHECK_THROWS_AS(hamgen::io::read_png(dir / "cut.png"), hamgen::io_error);
}

TEST_CASE("png writer rejects impossible images", "[io][png]") {
  CHECK_THROWS_AS(hamgen::io::image8(0, 4, 3), hamgen::shape_error);
  hamgen::io::image8 img(4, 4, 3);
  img.pixels.pop_back();
  CHECK_THROWS_WITH(hamgen::io::write_png(fs::path(HAMGEN_TEST_TMPDIR) / "bad.png", img),
                    Catch::Contains("write_png") && Catch::Contains("4x4x3"));
}
