#include <hamgen/data/catalog.hpp>
#include <hamgen/data/dataset.hpp>

#include <catch2/catch.hpp>

#include "data_fixtures.hpp"

#include <fstream>

namespace fs = std::filesystem;
using namespace hamgen::data;

using hamgen_test::fresh;

TEST_CASE("catalog: every dataset builds; unknown names and impossible sizes are refused",
          "[data][catalog]") {
  for (const auto& name : dataset_names()) {
    INFO(name);
    const auto g = make_generator(name, {.frames = 8, .resolution = 32});
    CHECK(g->layout().dataset == name);
    check_trajectory(g->layout(), g->make(1, 0));
  }
  CHECK(make_generator("pendulum", {.resolution = 96})->layout().height == 96);
  CHECK(make_generator("pendulum", {.resolution = 64, .grayscale = true})->layout().channels == 1);
  CHECK_THROWS_WITH(make_generator("pendulm"),
                    Catch::Contains("unknown dataset 'pendulm'") && Catch::Contains("two_body"));
  CHECK_THROWS_WITH(make_generator("pendulum", {.resolution = 3}), Catch::Contains("image size 3"));
  CHECK_THROWS_AS(make_generator("sprites", {.frames = 20}), hamgen::value_error);
  CHECK_THROWS_AS(generate_dataset(*make_generator("pendulum"), fresh("zero"), {.count = 0}),
                  hamgen::value_error);
}
