#include <hamgen/data/catalog.hpp>
#include <hamgen/data/dataset.hpp>
#include <hamgen/data/reader.hpp>

#include <catch2/catch.hpp>

#include "data_fixtures.hpp"

#include <fstream>

namespace fs = std::filesystem;
using namespace hamgen::data;

using hamgen_test::failing;
using hamgen_test::fresh;
using hamgen_test::slurp;

TEST_CASE("dataset: the arrays and manifest are complete and identical for any thread count",
          "[data][dataset]") {
  const auto g = make_generator("double_pendulum_colors", {.frames = 12, .resolution = 16});
  const fs::path a = fresh("dp1"), b = fresh("dp2");
  std::size_t calls = 0;
  const auto m = generate_dataset(
      *g, a, {.count = 9, .seed = 77, .threads = 1, .chunk = 4, .on_progress = [&](const progress& p) {
                ++calls;
                CHECK(p.done <= p.total);
              }});
  generate_dataset(*g, b, {.count = 9, .seed = 77, .threads = 2, .chunk = 5});
  CHECK(calls == 3);
  for (const char* f :
       {"images.npy", "x.npy", "dx_dt.npy", "params.npy", "offset.npy", "colour_index.npy", "manifest.json"})
    CHECK(slurp(a / f) == slurp(b / f));
  CHECK_FALSE(fs::exists(a.string() + ".partial"));
  CHECK(m["system"] == "double_pendulum");
  CHECK(m["variant"] == "colors");
  CHECK(m["seed"] == 77);
  CHECK(m["count"] == 9);
  CHECK(m["generator_version"] == generator_version);
  const auto img = hamgen::io::read_npy<std::uint8_t>(a / "images.npy");
  CHECK(img.shape == std::vector<std::size_t>{9, 12, 16, 16, 3});
  const auto x = hamgen::io::read_npy<double>(a / "x.npy");
  CHECK(x.shape == std::vector<std::size_t>{9, 12, 4});
  // the stored trajectory is what the generator makes for (seed, index)
  const auto t5 = g->make(77, 5);
  CHECK(std::equal(t5.x.begin(), t5.x.end(), x.data.begin() + 5 * 48));
  // a different seed gives different data
  const fs::path c = fresh("dp3");
  generate_dataset(*g, c, {.count = 9, .seed = 78, .threads = 2});
  CHECK(slurp(a / "x.npy") != slurp(c / "x.npy"));
  // existing directories are kept unless overwrite is asked for
  CHECK_THROWS_WITH(generate_dataset(*g, a, {.count = 2, .seed = 1}), Catch::Contains("already exists"));
  generate_dataset(*g, a.string() + "/", {.count = 2, .seed = 1, .overwrite = true}); // trailing slash
  CHECK(hamgen::io::read_npy_header(a / "x.npy").shape[0] == 2);
}

TEST_CASE("dataset: an interrupted generation leaves nothing that looks complete", "[data][dataset]") {
  const fs::path d = fresh("interrupted");
  failing g(6);
  CHECK_THROWS_WITH(generate_dataset(g, d, {.count = 10, .seed = 1, .threads = 2, .chunk = 4}),
                    Catch::Contains("interrupted"));
  CHECK_FALSE(fs::exists(d));
  CHECK_FALSE(fs::exists(d.string() + ".partial"));
  CHECK_THROWS_AS(dataset_reader(d), hamgen::io_error);
  // a killed run leaves the arrays without a manifest: the reader refuses the folder
  const fs::path killed = fresh("killed");
  generate_dataset(*make_generator("pendulum", {.frames = 4, .resolution = 8}), killed, {.count = 3});
  fs::remove(killed / "manifest.json");
  CHECK_THROWS_WITH(dataset_reader(killed), Catch::Contains("manifest.json") && Catch::Contains("missing"));
}
