// hamgen/data/catalog.hpp
//
// Represents: every dataset hamgen can generate, by name, with the options they share.
// Requires:   nothing beyond the generator headers.
// Ensures:    dataset_names() lists them; make_generator(name, options) builds one, raising value_error
//             naming the unknown dataset (with the list of known ones) or the impossible size.
//             Option fields left at 0 mean "the dataset's default" (toy physics: 100 frames at 32 px;
//             rotating_balls: 16 at 32; rotating_glyphs: 16 at 28; sprites: 8 at 64).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/data/dataset.hpp>
#include <hamgen/data/rotating_balls.hpp>
#include <hamgen/data/rotating_glyphs.hpp>
#include <hamgen/data/sprites.hpp>
#include <hamgen/data/toy_physics.hpp>

#include <memory>
#include <string>
#include <vector>

namespace hamgen::data {

struct catalog_options {
  std::size_t frames = 0; ///< 0: dataset default
  int resolution = 0;     ///< 0: dataset default
  double dt = 0.05;       ///< toy physics only
  bool grayscale = false; ///< toy physics and rotating balls
  double friction = 0.05; ///< toy physics *_friction
};

inline std::vector<std::string> dataset_names() {
  std::vector<std::string> names;
  for (const char* s : {"mass_spring", "pendulum", "double_pendulum", "two_body", "three_body"})
    for (const char* v : {"", "_colors", "_colors_friction", "_friction"})
      names.push_back(std::string(s) + v);
  names.insert(names.end(), {"rotating_balls", "rotating_glyphs", "sprites"});
  return names;
}

inline std::unique_ptr<generator> make_generator(const std::string& name, const catalog_options& o = {}) {
  check<value_error>(o.resolution == 0 || (o.resolution >= 8 && o.resolution <= 1024),
                     "make_generator: image size ", o.resolution, " outside [8, 1024]");
  check<value_error>(o.frames <= 100000, "make_generator: ", o.frames, " frames is too many");
  if (name == "rotating_balls") {
    rotating_balls_options b;
    if (o.resolution) b.resolution = o.resolution;
    if (o.frames) b.frames = o.frames;
    b.grayscale = o.grayscale;
    return std::make_unique<rotating_balls>(b);
  }
  if (name == "rotating_glyphs") {
    rotating_glyphs_options g;
    if (o.resolution) g.resolution = o.resolution;
    if (o.frames) g.frames = o.frames;
    return std::make_unique<rotating_glyphs>(g);
  }
  if (name == "sprites") {
    sprites_options s;
    if (o.resolution) s.resolution = o.resolution;
    if (o.frames) s.frames = o.frames;
    return std::make_unique<sprites>(s);
  }
  const auto names = dataset_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw value_error(
        hamgen::detail::concat("make_generator: unknown dataset '", name, "' (known: ", list, ")"));
  }
  toy_options t = toy_options_from_name(name);
  if (o.resolution) t.resolution = o.resolution;
  if (o.frames) t.frames = o.frames;
  t.dt = o.dt;
  t.grayscale = o.grayscale;
  t.friction_coefficient = o.friction;
  return std::make_unique<toy_physics>(t);
}

} // namespace hamgen::data
