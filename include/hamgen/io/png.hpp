// hamgen/io/png.hpp
//
// Represents: reading and writing 8-bit PNG images (gray, gray+alpha, RGB, RGBA) through libpng.
// Requires:   the translation unit links libpng (CMake: hamgen::io, or PNG::PNG).
// Ensures:    write_png writes atomically (a temporary file in the same folder, then rename), so a
//             reader never sees half an image; read_png returns the pixels row-major, interleaved
//             channels. Problems raise hamgen::io_error naming the file; impossible sizes raise
//             hamgen::shape_error.
#pragma once

#include <hamgen/core/error.hpp>

#include <png.h>

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace hamgen::io {

/// An 8-bit image: height × width × channels, row-major, interleaved channels.
struct image8 {
  int width = 0;
  int height = 0;
  int channels = 3;
  std::vector<std::uint8_t> pixels;

  image8() = default;
  image8(int w, int h, int c, std::uint8_t fill = 0)
      : width(w), height(h), channels(c),
        pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * static_cast<std::size_t>(c),
               fill) {
    check<shape_error>(w > 0 && h > 0 && c >= 1 && c <= 4, "image8: impossible size ", w, "x", h, "x", c);
  }
  std::uint8_t* at(int x, int y) {
    return pixels.data() +
           (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) *
               static_cast<std::size_t>(channels);
  }
  const std::uint8_t* at(int x, int y) const {
    return pixels.data() +
           (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) *
               static_cast<std::size_t>(channels);
  }
};

namespace detail {

inline int png_color_type(int channels) {
  switch (channels) {
  case 1:
    return PNG_COLOR_TYPE_GRAY;
  case 2:
    return PNG_COLOR_TYPE_GRAY_ALPHA;
  case 3:
    return PNG_COLOR_TYPE_RGB;
  default:
    return PNG_COLOR_TYPE_RGBA;
  }
}

// libpng prints its errors to stderr by default; hamgen reports them through io_error instead.
[[noreturn]] inline void png_quiet_error(png_structp png, png_const_charp) { png_longjmp(png, 1); }
inline void png_quiet_warning(png_structp, png_const_charp) {}

struct file_closer {
  std::FILE* f;
  ~file_closer() {
    if (f) std::fclose(f);
  }
};

} // namespace detail

/// Writes `img` to `path` atomically. Throws io_error when the file cannot be written.
inline void write_png(const std::filesystem::path& path, const image8& img) {
  check<shape_error>(img.width > 0 && img.height > 0 && img.channels >= 1 && img.channels <= 4 &&
                         img.pixels.size() == static_cast<std::size_t>(img.width) *
                                                  static_cast<std::size_t>(img.height) *
                                                  static_cast<std::size_t>(img.channels),
                     "write_png: image of ", img.width, "x", img.height, "x", img.channels, " holds ",
                     img.pixels.size(), " bytes");
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    detail::file_closer fc{std::fopen(tmp.c_str(), "wb")};
    check<io_error>(fc.f != nullptr, "write_png: cannot open '", tmp.string(), "' for writing");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, detail::png_quiet_error,
                                              detail::png_quiet_warning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
      png_destroy_write_struct(&png, &info);
      throw io_error("write_png: libpng could not allocate its state");
    }
    if (setjmp(png_jmpbuf(png))) {
      png_destroy_write_struct(&png, &info);
      throw io_error(hamgen::detail::concat("write_png: libpng failed writing '", tmp.string(), "'"));
    }
    png_init_io(png, fc.f);
    png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height), 8,
                 detail::png_color_type(img.channels), PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < img.height; ++y) png_write_row(png, const_cast<png_bytep>(img.at(0, y)));
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    check<io_error>(std::fflush(fc.f) == 0, "write_png: cannot flush '", tmp.string(), "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  check<io_error>(!ec, "write_png: cannot rename '", tmp.string(), "' to '", path.string(),
                  "': ", ec.message());
}

/// Reads an 8-bit PNG (palette and 16-bit images are converted to 8-bit gray/RGB[A]).
inline image8 read_png(const std::filesystem::path& path) {
  detail::file_closer fc{std::fopen(path.c_str(), "rb")};
  check<io_error>(fc.f != nullptr, "read_png: cannot open '", path.string(), "'");
  unsigned char sig[8] = {};
  check<io_error>(std::fread(sig, 1, 8, fc.f) == 8 && png_sig_cmp(sig, 0, 8) == 0, "read_png: '",
                  path.string(), "' is not a PNG file");
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, detail::png_quiet_error,
                                           detail::png_quiet_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw io_error("read_png: libpng could not allocate its state");
  }
  image8 img;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw io_error(hamgen::detail::concat("read_png: '", path.string(), "' is truncated or corrupt"));
  }
  png_init_io(png, fc.f);
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  png_set_expand(png);
  png_set_strip_16(png);
  png_read_update_info(png, info);
  img.width = static_cast<int>(png_get_image_width(png, info));
  img.height = static_cast<int>(png_get_image_height(png, info));
  img.channels = static_cast<int>(png_get_channels(png, info));
  img.pixels.resize(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) *
                    static_cast<std::size_t>(img.channels));
  for (int y = 0; y < img.height; ++y) png_read_row(png, img.at(0, y), nullptr);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return img;
}

} // namespace hamgen::io
