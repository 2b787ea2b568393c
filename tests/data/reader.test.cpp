#include <hamgen/data/catalog.hpp>
#include <hamgen/data/dataset.hpp>
#include <hamgen/data/reader.hpp>

#include <catch2/catch.hpp>

#include "data_fixtures.hpp"

#include <fstream>

namespace fs = std::filesystem;
using namespace hamgen::data;

using hamgen_test::fresh;
using hamgen_test::slurp;

TEST_CASE("reader: random windows and batches have the right shapes, ranges and labels", "[data][reader]") {
  const fs::path d = fresh("balls");
  const auto g = make_generator("rotating_balls");
  generate_dataset(*g, d, {.count = 12, .seed = 3, .threads = 2});
  dataset_reader r(d);
  CHECK(r.size() == 12);
  CHECK(r.frames() == 16);
  CHECK(r.label_names() == std::vector<std::string>{"colour", "direction"});
  rng gen(5);
  const batch b = r.sample(gen, {.batch_size = 7, .window = 5, .range = pixel_range::minus_one_one});
  CHECK(b.image_shape == std::array<std::size_t, 5>{7, 5, 32, 32, 3});
  CHECK(b.state_shape == std::array<std::size_t, 3>{7, 5, 2});
  CHECK(b.images.size() == 7 * 5 * 32 * 32 * 3);
  CHECK(b.labels.size() == 14);
  CHECK(b.params.size() == 21);
  for (float v : b.images) CHECK((v >= -1.0f && v <= 1.0f));
  for (std::size_t row = 0; row < 7; ++row) {
    CHECK(b.start[row] <= 11);
    const auto raw = r.raw_images(b.index[row]);
    const std::size_t frame = 32 * 32 * 3, off = b.start[row] * frame;
    for (std::size_t k = 0; k < 5 * frame; k += 97)
      CHECK(b.images[row * 5 * frame + k] == Approx(raw[off + k] / 127.5 - 1.0).margin(1e-6));
    // labels: colour = index parity, and the ball is red or blue accordingly
    CHECK(b.labels[2 * row] == static_cast<int>(b.index[row] % 2));
    const auto t = g->make(3, b.index[row]);
    CHECK(b.x[row * 10] == t.x[2 * b.start[row]]);
  }
  const batch z = r.sample(gen, {.batch_size = 3, .window = 0, .range = pixel_range::zero_one});
  CHECK(z.image_shape[1] == 16);
  float lo = 1, hi = 0;
  for (float v : z.images) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(lo >= 0.0f);
  CHECK(hi <= 1.0f);
  CHECK(hi > 0.9f);
  rng g1(9), g2(9);
  CHECK(r.sample(g1, {.batch_size = 4, .window = 3}).images ==
        r.sample(g2, {.batch_size = 4, .window = 3}).images);
  CHECK_THROWS_AS(r.sample(gen, {.batch_size = 2, .window = 17}), hamgen::value_error);
}

TEST_CASE("reader: missing or corrupt arrays and manifests are named", "[data][reader]") {
  const fs::path d = fresh("corrupt");
  generate_dataset(*make_generator("sprites"), d, {.count = 3, .seed = 1});
  CHECK_NOTHROW(dataset_reader(d));
  const std::string images = slurp(d / "images.npy"), manifest = slurp(d / "manifest.json");
  auto spit = [&](const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
  };
  spit(d / "images.npy", images.substr(0, images.size() - 10));
  CHECK_THROWS_WITH(dataset_reader(d), Catch::Contains("images.npy") && Catch::Contains("truncated"));
  fs::remove(d / "images.npy");
  CHECK_THROWS_WITH(dataset_reader(d), Catch::Contains("images.npy") && Catch::Contains("cannot open"));
  spit(d / "images.npy", images);
  fs::remove(d / "labels.npy");
  CHECK_THROWS_WITH(dataset_reader(d), Catch::Contains("labels.npy"));
  hamgen::io::write_npy(d / "labels.npy", std::vector<std::int32_t>(3 * 4, 0), {3, 4});
  CHECK_THROWS_WITH(dataset_reader(d), Catch::Contains("labels.npy") && Catch::Contains("shape"));
  hamgen::io::write_npy(d / "labels.npy", std::vector<double>(3 * 5, 0), {3, 5});
  CHECK_THROWS_WITH(dataset_reader(d), Catch::Contains("labels.npy") && Catch::Contains("<f8"));
  spit(d / "manifest.json", manifest.substr(0, manifest.size() / 2));
  CHECK_THROWS_WITH(dataset_reader(d), Catch::Contains("manifest.json") && Catch::Contains("not valid JSON"));
  spit(d / "manifest.json", "{\"format\": \"hamgen-dataset\", \"complete\": true}");
  CHECK_THROWS_WITH(dataset_reader(d), Catch::Contains("manifest.json") && Catch::Contains("'count'"));
  fs::remove(d / "manifest.json");
  CHECK_THROWS_WITH(dataset_reader(d), Catch::Contains("manifest.json") && Catch::Contains("missing"));
}
