// hamgen/data/dataset.hpp
//
// Represents: a video dataset on disk — a directory of .npy arrays plus a JSON manifest — the
//             generator interface every hamgen dataset implements, the parallel deterministic writer,
//             and the layout checks the reader relies on.
// Requires:   nlohmann_json headers; POSIX (rename, mmap) for the atomic directory swap and streaming.
// Ensures:    generate_dataset writes N trajectories of a generator into `<dir>`:
//               images.npy       uint8   N×T×H×W×C
//               x.npy, dx_dt.npy float64 N×T×D        (when the generator has a phase state, x = [q, p])
//               params.npy       float64 N×P          (names in the manifest)
//               offset.npy       float64 N×2          (world translation applied before rendering)
//               colour_index.npy int32   N×n_objects
//               labels.npy       int32   N×L          (names and class counts in the manifest)
//               manifest.json    system, variant, seed, sizes, dt, arrays, generator version
//             Trajectory i depends only on (seed, i): the arrays are byte-identical for every thread
//             count. Everything is written into "<dir>.partial" first (streamed in chunks, so datasets
//             larger than memory work), the manifest last, and the folder is renamed to <dir> only when
//             complete: an interrupted run never leaves a directory that looks like a dataset (a
//             run that fails with an exception also removes its "<dir>.partial"; a killed one leaves
//             it without a manifest, which dataset_reader rejects).
//             Bad options raise value_error; file problems raise io_error naming the file.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/io/json.hpp>
#include <hamgen/io/npy.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace hamgen::data {

/// Version of the generators' output; bump when a generator's arrays change for the same seed.
inline constexpr const char* generator_version = "hamgen-data 1";

/// A categorical label: its name and how many classes it has.
struct label_spec {
  std::string name;
  int classes = 0;
};

/// The sizes and meaning of one generator's arrays.
struct dataset_layout {
  std::string dataset;       ///< full name, e.g. "pendulum_colors_friction"
  std::string system;        ///< e.g. "pendulum"
  std::string variant;       ///< e.g. "colors_friction", "constant"
  std::size_t frames = 0;    ///< T
  std::size_t height = 0;    ///< H
  std::size_t width = 0;     ///< W
  std::size_t channels = 3;  ///< C
  std::size_t state_dim = 0; ///< D = 2d (0: no x / dx_dt arrays)
  std::size_t objects = 0;   ///< n_objects (0: no colour_index array)
  bool has_offset = false;
  double dt = 0.0; ///< time between frames
  std::vector<std::string> param_names;
  std::vector<label_spec> labels;
  io::json extra = io::json::object(); ///< generator-specific settings for the manifest
  std::size_t image_bytes() const { return frames * height * width * channels; }
};

/// Everything one trajectory contributes to the arrays (sizes as in dataset_layout).
struct trajectory {
  std::vector<std::uint8_t> images;  ///< T·H·W·C
  std::vector<double> x, dx_dt;      ///< T·D each
  std::vector<double> params;        ///< P
  std::vector<double> offset;        ///< 2
  std::vector<std::int32_t> colours; ///< n_objects
  std::vector<std::int32_t> labels;  ///< L
};

/// A dataset generator: fixed layout, trajectory i a pure function of (seed, i).
class generator {
public:
  virtual ~generator() = default;
  virtual const dataset_layout& layout() const = 0;
  virtual trajectory make(std::uint64_t seed, std::size_t index) const = 0;
};

/// Checks that `t` has exactly the sizes `l` promises (used by the writer and by tests).
inline void check_trajectory(const dataset_layout& l, const trajectory& t) {
  auto want = [&](const char* what, std::size_t got, std::size_t expect) {
    check<shape_error>(got == expect, "generator '", l.dataset, "': ", what, " has ", got,
                       " values, expected ", expect);
  };
  want("images", t.images.size(), l.image_bytes());
  want("x", t.x.size(), l.frames * l.state_dim);
  want("dx_dt", t.dx_dt.size(), l.frames * l.state_dim);
  want("params", t.params.size(), l.param_names.size());
  want("offset", t.offset.size(), l.has_offset ? 2 : 0);
  want("colour_index", t.colours.size(), l.objects);
  want("labels", t.labels.size(), l.labels.size());
}

/// Progress of a generation run (for a progress line).
struct progress {
  std::size_t done = 0, total = 0;
  double seconds = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(done) / seconds : 0.0; }
  double eta() const { return rate() > 0 ? static_cast<double>(total - done) / rate() : 0.0; }
};

struct generate_options {
  std::size_t count = 0;  ///< N trajectories
  std::uint64_t seed = 0; ///< dataset seed
  unsigned threads = 0;   ///< 0: std::thread::hardware_concurrency()
  std::size_t chunk = 0;  ///< trajectories held in memory at once (0: automatic)
  bool overwrite = false; ///< replace an existing dataset directory
  std::function<void(const progress&)> on_progress = {}; ///< called after every chunk
};

/// Generates trajectories [first, first + n) into `out` with `threads` threads (deterministic).
inline void generate_range(const generator& g, std::uint64_t seed, std::size_t first, std::size_t n,
                           unsigned threads, std::vector<trajectory>& out) {
  out.resize(n);
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(n, 1))));
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        out[i] = g.make(seed, first + i);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

/// The manifest describing a dataset written by generate_dataset.
inline io::json make_manifest(const dataset_layout& l, std::size_t count, std::uint64_t seed) {
  io::json labels = io::json::array();
  for (const auto& s : l.labels) labels.push_back({{"name", s.name}, {"classes", s.classes}});
  io::json arrays = io::json::object();
  arrays["images"] = {{"file", "images.npy"},
                      {"dtype", "uint8"},
                      {"shape", {count, l.frames, l.height, l.width, l.channels}}};
  if (l.state_dim) {
    arrays["x"] = {{"file", "x.npy"}, {"dtype", "float64"}, {"shape", {count, l.frames, l.state_dim}}};
    arrays["dx_dt"] = {
        {"file", "dx_dt.npy"}, {"dtype", "float64"}, {"shape", {count, l.frames, l.state_dim}}};
  }
  if (!l.param_names.empty())
    arrays["params"] = {
        {"file", "params.npy"}, {"dtype", "float64"}, {"shape", {count, l.param_names.size()}}};
  if (l.has_offset) arrays["offset"] = {{"file", "offset.npy"}, {"dtype", "float64"}, {"shape", {count, 2}}};
  if (l.objects)
    arrays["colour_index"] = {
        {"file", "colour_index.npy"}, {"dtype", "int32"}, {"shape", {count, l.objects}}};
  if (!l.labels.empty())
    arrays["labels"] = {{"file", "labels.npy"}, {"dtype", "int32"}, {"shape", {count, l.labels.size()}}};
  return {{"format", "hamgen-dataset"},
          {"generator_version", generator_version},
          {"dataset", l.dataset},
          {"system", l.system},
          {"variant", l.variant},
          {"seed", seed},
          {"count", count},
          {"frames", l.frames},
          {"height", l.height},
          {"width", l.width},
          {"channels", l.channels},
          {"state_dim", l.state_dim},
          {"objects", l.objects},
          {"dt", l.dt},
          {"param_names", l.param_names},
          {"labels", labels},
          {"arrays", arrays},
          {"settings", l.extra},
          {"complete", true}};
}

/// Writes a complete dataset directory (see the header comment). Returns the manifest.
inline io::json generate_dataset(const generator& g, const std::filesystem::path& dir_in,
                                 const generate_options& opt) {
  namespace fs = std::filesystem;
  const fs::path dir = dir_in.has_filename() ? dir_in : dir_in.parent_path(); // "out/" -> "out"
  check<value_error>(!dir.empty(), "generate_dataset: empty output directory name");
  const dataset_layout& l = g.layout();
  check<value_error>(opt.count > 0, "generate_dataset: count must be positive");
  check<value_error>(l.frames > 0 && l.height > 0 && l.width > 0 && l.channels > 0, "generate_dataset: '",
                     l.dataset, "' has an empty image layout");
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    check<io_error>(opt.overwrite, "generate_dataset: '", dir.string(),
                    "' already exists (use overwrite to replace it)");
  }
  const fs::path tmp = dir.string() + ".partial";
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  check<io_error>(!ec, "generate_dataset: cannot create '", tmp.string(), "': ", ec.message());

  const std::size_t N = opt.count;
  unsigned threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::size_t chunk = opt.chunk;
  if (chunk == 0) // about 64 MiB of images per chunk, at least 4 per thread
    chunk = std::max<std::size_t>(4 * threads,
                                  (std::size_t{64} << 20) / std::max<std::size_t>(1, l.image_bytes()));
  chunk = std::min(chunk, N);

  const io::json manifest = make_manifest(l, N, opt.seed);
  auto write_all = [&] {
    io::npy_stream_writer<std::uint8_t> images(tmp / "images.npy",
                                               {N, l.frames, l.height, l.width, l.channels});
    std::optional<io::npy_stream_writer<double>> xs, dxs, params, offsets;
    std::optional<io::npy_stream_writer<std::int32_t>> colours, labels;
    if (l.state_dim) {
      xs.emplace(tmp / "x.npy", std::vector<std::size_t>{N, l.frames, l.state_dim});
      dxs.emplace(tmp / "dx_dt.npy", std::vector<std::size_t>{N, l.frames, l.state_dim});
    }
    if (!l.param_names.empty())
      params.emplace(tmp / "params.npy", std::vector<std::size_t>{N, l.param_names.size()});
    if (l.has_offset) offsets.emplace(tmp / "offset.npy", std::vector<std::size_t>{N, 2});
    if (l.objects) colours.emplace(tmp / "colour_index.npy", std::vector<std::size_t>{N, l.objects});
    if (!l.labels.empty()) labels.emplace(tmp / "labels.npy", std::vector<std::size_t>{N, l.labels.size()});

    const auto t0 = std::chrono::steady_clock::now();
    std::vector<trajectory> batch;
    for (std::size_t first = 0; first < N; first += chunk) {
      const std::size_t n = std::min(chunk, N - first);
      generate_range(g, opt.seed, first, n, threads, batch);
      for (const auto& t : batch) {
        check_trajectory(l, t);
        images.append(t.images.data(), 1);
        if (xs) xs->append(t.x.data(), 1);
        if (dxs) dxs->append(t.dx_dt.data(), 1);
        if (params) params->append(t.params.data(), 1);
        if (offsets) offsets->append(t.offset.data(), 1);
        if (colours) colours->append(t.colours.data(), 1);
        if (labels) labels->append(t.labels.data(), 1);
      }
      if (opt.on_progress)
        opt.on_progress(
            {first + n, N, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
    }
    images.close();
    for (auto* w : {&xs, &dxs, &params, &offsets})
      if (*w) (*w)->close();
    for (auto* w : {&colours, &labels})
      if (*w) (*w)->close();
    io::write_json(tmp / "manifest.json", manifest); // last: its presence marks the data complete
  };
  try {
    write_all();
  } catch (...) { // a failed run leaves no partial folder behind
    fs::remove_all(tmp, ec);
    throw;
  }
  if (fs::exists(dir, ec)) fs::remove_all(dir, ec);
  fs::rename(tmp, dir, ec);
  check<io_error>(!ec, "generate_dataset: cannot rename '", tmp.string(), "' to '", dir.string(),
                  "': ", ec.message());
  return manifest;
}

} // namespace hamgen::data
