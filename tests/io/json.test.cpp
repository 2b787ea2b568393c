#include <hamgen/io/json.hpp>

#include <catch2/catch.hpp>

#include <fstream>

namespace fs = std::filesystem;

TEST_CASE("json round trip and atomic write", "[io][json]") {
  const fs::path d = fs::path(HAMGEN_TEST_TMPDIR) / "json";
  fs::create_directories(d);
  hamgen::io::json doc = {{"system", "pendulum"}, {"n", 12}, {"dt", 0.05}, {"shape", {3, 4}}};
  hamgen::io::write_json(d / "m.json", doc);
  CHECK_FALSE(fs::exists(d / "m.json.tmp"));
  const auto back = hamgen::io::read_json(d / "m.json");
  CHECK(back == doc);
  CHECK(back["dt"].get<double>() == 0.05);
}

TEST_CASE("json reader names the file and the problem", "[io][json]") {
  const fs::path d = fs::path(HAMGEN_TEST_TMPDIR) / "json";
  fs::create_directories(d);
  CHECK_THROWS_WITH(hamgen::io::read_json(d / "nope.json"),
                    Catch::Contains("nope.json") && Catch::Contains("cannot open"));
  { std::ofstream(d / "bad.json") << "{\"a\": [1, 2"; }
  CHECK_THROWS_WITH(hamgen::io::read_json(d / "bad.json"),
                    Catch::Contains("bad.json") && Catch::Contains("not valid JSON"));
}
