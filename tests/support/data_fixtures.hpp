// tests/support/data_fixtures.hpp: helpers shared by the tests of hamgen/data: a fresh dataset
// directory under HAMGEN_TEST_TMPDIR, whole-file reads, and a generator that fails at a chosen
// trajectory (an interrupted generation).
#pragma once

#include <hamgen/data/catalog.hpp>
#include <hamgen/data/dataset.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>

namespace hamgen_test {

inline std::filesystem::path fresh(const std::string& name) {
  const std::filesystem::path d = std::filesystem::path(HAMGEN_TEST_TMPDIR) / "datasets" / name;
  std::filesystem::remove_all(d);
  std::filesystem::remove_all(d.string() + ".partial");
  std::filesystem::create_directories(d.parent_path());
  return d;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Fails at trajectory `fail_at`: stands in for an interrupted run.
class failing final : public hamgen::data::generator {
public:
  explicit failing(std::size_t fail_at)
      : inner_(hamgen::data::make_generator("pendulum", {.frames = 4, .resolution = 8})), at_(fail_at) {}
  const hamgen::data::dataset_layout& layout() const override { return inner_->layout(); }
  hamgen::data::trajectory make(std::uint64_t seed, std::size_t i) const override {
    if (i == at_) throw std::runtime_error("interrupted");
    return inner_->make(seed, i);
  }

private:
  std::unique_ptr<hamgen::data::generator> inner_;
  std::size_t at_;
};

} // namespace hamgen_test
