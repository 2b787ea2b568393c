// hamgen/io/gif.hpp
//
// Represents: writing an animated GIF (looping forever) from a sequence of equally sized 8-bit gray or
//             RGB frames, through giflib.
// Requires:   the translation unit links giflib (CMake: hamgen::io, or GIF::GIF), giflib >= 5.
// Ensures:    one global palette: the frames' exact colours when there are at most 256 of them,
//             otherwise a 6×7×6 colour cube (nearest level per channel); each frame is optionally
//             enlarged by an integer factor (nearest neighbour) so small 32×32 clips are visible;
//             the file is written atomically (temporary file in the same folder, then rename).
//             Problems raise hamgen::io_error naming the file; bad frames raise hamgen::shape_error.
// Source:     GIF89a (CompuServe 1990) with the NETSCAPE2.0 looping extension.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/io/png.hpp>

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <unordered_map>
#include <vector>

namespace hamgen::io {

struct gif_options {
  int delay_cs = 10; ///< delay between frames in 1/100 s
  int scale = 1;     ///< integer enlargement factor (nearest neighbour)
};

namespace detail {

struct gif_closer {
  GifFileType* g = nullptr;
  ~gif_closer() {
    if (g) {
      int err = 0;
      EGifCloseFile(g, &err);
    }
  }
};

} // namespace detail

/// Writes `frames` (all the same size, 1 or 3 channels) as a looping animated GIF.
inline void write_gif(const std::filesystem::path& path, const std::vector<image8>& frames,
                      const gif_options& opt = {}) {
  const std::string file = path.string();
  check<shape_error>(!frames.empty(), "write_gif: '", file, "': no frames");
  check<value_error>(opt.scale >= 1 && opt.scale <= 64, "write_gif: scale ", opt.scale, " outside [1, 64]");
  check<value_error>(opt.delay_cs >= 0 && opt.delay_cs <= 65535, "write_gif: delay ", opt.delay_cs,
                     " outside [0, 65535]");
  const int w = frames[0].width, h = frames[0].height;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const auto& fr = frames[f];
    check<shape_error>(fr.width == w && fr.height == h && (fr.channels == 1 || fr.channels == 3) &&
                           fr.pixels.size() == static_cast<std::size_t>(w) * static_cast<std::size_t>(h) *
                                                   static_cast<std::size_t>(fr.channels),
                       "write_gif: '", file, "': frame ", f, " is ", fr.width, "x", fr.height, "x",
                       fr.channels, ", expected ", w, "x", h, " with 1 or 3 channels");
  }
  auto rgb_of = [](const image8& fr, std::size_t i) -> std::uint32_t {
    const std::uint8_t* p = fr.pixels.data() + i * static_cast<std::size_t>(fr.channels);
    if (fr.channels == 1) return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[0]} << 8) | p[0];
    return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
  };
  // palette: exact colours if they fit, else a 6x7x6 cube
  std::unordered_map<std::uint32_t, int> exact;
  bool fits = true;
  for (const auto& fr : frames) {
    const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    for (std::size_t i = 0; i < n && fits; ++i) {
      const auto c = rgb_of(fr, i);
      if (!exact.count(c)) {
        if (exact.size() == 256)
          fits = false;
        else
          exact.emplace(c, static_cast<int>(exact.size()));
      }
    }
    if (!fits) break;
  }
  std::array<GifColorType, 256> colours{};
  constexpr int lr = 6, lg = 7, lb = 6;
  if (fits) {
    for (const auto& [c, idx] : exact)
      colours[static_cast<std::size_t>(idx)] = {static_cast<GifByteType>(c >> 16),
                                                static_cast<GifByteType>((c >> 8) & 0xff),
                                                static_cast<GifByteType>(c & 0xff)};
  } else {
    int k = 0;
    for (int r = 0; r < lr; ++r)
      for (int g = 0; g < lg; ++g)
        for (int b = 0; b < lb; ++b)
          colours[static_cast<std::size_t>(k++)] = {static_cast<GifByteType>(r * 255 / (lr - 1)),
                                                    static_cast<GifByteType>(g * 255 / (lg - 1)),
                                                    static_cast<GifByteType>(b * 255 / (lb - 1))};
  }
  auto index_of = [&](std::uint32_t c) -> GifByteType {
    if (fits) return static_cast<GifByteType>(exact.at(c));
    const int r = ((c >> 16) * (lr - 1) + 127) / 255, g = (((c >> 8) & 0xff) * (lg - 1) + 127) / 255,
              b = ((c & 0xff) * (lb - 1) + 127) / 255;
    return static_cast<GifByteType>((r * lg + g) * lb + b);
  };

  const std::filesystem::path tmp = file + ".tmp";
  {
    int err = 0;
    detail::gif_closer gc{EGifOpenFileName(tmp.c_str(), false, &err)};
    check<io_error>(gc.g != nullptr, "write_gif: cannot open '", tmp.string(), "' for writing (",
                    GifErrorString(err), ")");
    auto ok = [&](int rc, const char* what) {
      check<io_error>(rc == GIF_OK, "write_gif: '", tmp.string(), "': ", what, " failed (",
                      GifErrorString(gc.g->Error), ")");
    };
    ColorMapObject* cmap = GifMakeMapObject(256, colours.data());
    check<io_error>(cmap != nullptr, "write_gif: cannot allocate a colour map");
    EGifSetGifVersion(gc.g, true);
    const int W = w * opt.scale, H = h * opt.scale;
    const int rc = EGifPutScreenDesc(gc.g, W, H, 8, 0, cmap);
    GifFreeMapObject(cmap);
    ok(rc, "screen descriptor");
    unsigned char loop[3] = {1, 0, 0};
    ok(EGifPutExtensionLeader(gc.g, APPLICATION_EXT_FUNC_CODE), "loop extension");
    ok(EGifPutExtensionBlock(gc.g, 11, "NETSCAPE2.0"), "loop extension");
    ok(EGifPutExtensionBlock(gc.g, 3, loop), "loop extension");
    ok(EGifPutExtensionTrailer(gc.g), "loop extension");
    std::vector<GifByteType> line(static_cast<std::size_t>(W));
    for (const auto& fr : frames) {
      unsigned char gcb[4] = {0, static_cast<unsigned char>(opt.delay_cs & 0xff),
                              static_cast<unsigned char>(opt.delay_cs >> 8), 0};
      ok(EGifPutExtension(gc.g, GRAPHICS_EXT_FUNC_CODE, 4, gcb), "graphics control extension");
      ok(EGifPutImageDesc(gc.g, 0, 0, W, H, false, nullptr), "image descriptor");
      for (int y = 0; y < H; ++y) {
        for (int x = 0; x < W; ++x)
          line[static_cast<std::size_t>(x)] =
              index_of(rgb_of(fr, static_cast<std::size_t>(y / opt.scale) * static_cast<std::size_t>(w) +
                                      static_cast<std::size_t>(x / opt.scale)));
        ok(EGifPutLine(gc.g, line.data(), W), "image data");
      }
    }
    GifFileType* g = gc.g;
    gc.g = nullptr;
    check<io_error>(EGifCloseFile(g, &err) == GIF_OK, "write_gif: closing '", tmp.string(), "' failed (",
                    GifErrorString(err), ")");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  check<io_error>(!ec, "write_gif: cannot rename '", tmp.string(), "' to '", file, "': ", ec.message());
}

} // namespace hamgen::io
