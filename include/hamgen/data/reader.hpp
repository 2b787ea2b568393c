// hamgen/data/reader.hpp
//
// Represents: a dataset directory written by generate_dataset, opened for training: random windows of
//             T frames batched into float tensors (plain buffers + shape), streamed from disk.
// Requires:   a directory holding manifest.json and the arrays it lists (see data/dataset.hpp).
// Ensures:    opening validates the manifest (present, valid JSON, format "hamgen-dataset", complete,
//             required keys) and every listed array (present, valid .npy, dtype and shape equal to the
//             manifest's), raising io_error naming the file and the problem;
//             images and states are memory-mapped (the OS pages in what a batch touches);
//             a batch holds images as float32 B×T×H×W×C normalised to [0, 1] (v/255) or [-1, 1]
//             (v/127.5 − 1), the matching x and dx_dt windows (B×T×D, float64), params (B×P),
//             labels (B×L, int32), and the trajectory index and start frame of every row;
//             windows start uniformly in [0, frames − T]; a given rng state gives the same batch.
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/data/random.hpp>
#include <hamgen/io/json.hpp>
#include <hamgen/io/npy.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hamgen::data {

enum class pixel_range { zero_one, minus_one_one };

struct batch_options {
  std::size_t batch_size = 16;
  std::size_t window = 16; ///< T frames per window (0: the whole trajectory)
  pixel_range range = pixel_range::minus_one_one;
};

/// A batch of windows. Shapes are listed outermost first.
struct batch {
  std::vector<float> images; ///< B×T×H×W×C
  std::array<std::size_t, 5> image_shape{};
  std::vector<double> x, dx_dt; ///< B×T×D (empty when the dataset has no states)
  std::array<std::size_t, 3> state_shape{};
  std::vector<double> params;            ///< B×P
  std::vector<std::int32_t> labels;      ///< B×L
  std::vector<std::size_t> index, start; ///< trajectory and first frame of each row
};

class dataset_reader {
public:
  explicit dataset_reader(const std::filesystem::path& dir) : dir_(dir) {
    namespace fs = std::filesystem;
    const std::string where = "dataset_reader: ";
    check<io_error>(fs::is_directory(dir), where, "'", dir.string(), "' is not a directory");
    const fs::path mpath = dir / "manifest.json";
    check<io_error>(fs::exists(mpath), where, "'", mpath.string(),
                    "' is missing (the dataset is incomplete or not a hamgen dataset)");
    manifest_ = io::read_json(mpath);
    auto need = [&](const char* key) -> const io::json& {
      check<io_error>(manifest_.is_object() && manifest_.contains(key), where, "'", mpath.string(),
                      "' has no '", key, "' entry");
      return manifest_[key];
    };
    try {
      check<io_error>(need("format").get<std::string>() == "hamgen-dataset", where, "'", mpath.string(),
                      "' is not a hamgen dataset manifest");
      check<io_error>(need("complete").get<bool>(), where, "'", mpath.string(),
                      "' marks an incomplete dataset");
      count_ = need("count").get<std::size_t>();
      frames_ = need("frames").get<std::size_t>();
      height_ = need("height").get<std::size_t>();
      width_ = need("width").get<std::size_t>();
      channels_ = need("channels").get<std::size_t>();
      state_dim_ = need("state_dim").get<std::size_t>();
      param_names_ = need("param_names").get<std::vector<std::string>>();
      for (const auto& l : need("labels")) label_names_.push_back(l.at("name").get<std::string>());
      need("arrays");
    } catch (const io::json::exception& e) {
      throw io_error(
          hamgen::detail::concat(where, "'", mpath.string(), "' has a malformed entry: ", e.what()));
    }
    check<io_error>(count_ > 0 && frames_ > 0 && height_ > 0 && width_ > 0 && channels_ > 0, where, "'",
                    mpath.string(), "' declares an empty dataset");
    images_ = open_array("images", {count_, frames_, height_, width_, channels_}, io::npy_dtype::u8);
    if (state_dim_) {
      x_ = open_array("x", {count_, frames_, state_dim_}, io::npy_dtype::f64);
      dx_ = open_array("dx_dt", {count_, frames_, state_dim_}, io::npy_dtype::f64);
    }
    if (!param_names_.empty()) {
      const auto m = open_array("params", {count_, param_names_.size()}, io::npy_dtype::f64);
      auto s = m.as<double>();
      params_.assign(s.begin(), s.end());
    }
    if (!label_names_.empty()) {
      const auto m = open_array("labels", {count_, label_names_.size()}, io::npy_dtype::i32);
      auto s = m.as<std::int32_t>();
      labels_.assign(s.begin(), s.end());
    }
  }

  const io::json& manifest() const { return manifest_; }
  std::size_t size() const { return count_; }
  std::size_t frames() const { return frames_; }
  std::size_t height() const { return height_; }
  std::size_t width() const { return width_; }
  std::size_t channels() const { return channels_; }
  std::size_t state_dim() const { return state_dim_; }
  const std::vector<std::string>& param_names() const { return param_names_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  /// Raw uint8 frames of trajectory i (T×H×W×C).
  std::span<const std::uint8_t> raw_images(std::size_t i) const {
    check<value_error>(i < count_, "dataset_reader: trajectory ", i, " of ", count_);
    const std::size_t n = frames_ * height_ * width_ * channels_;
    return images_.as<std::uint8_t>().subspan(i * n, n);
  }
  std::int32_t label(std::size_t i, std::size_t k) const { return labels_.at(i * label_names_.size() + k); }

  /// The windows (index[b], start[b], length T) as one batch.
  batch read(const std::vector<std::size_t>& index, const std::vector<std::size_t>& start, std::size_t window,
             pixel_range range = pixel_range::minus_one_one) const {
    check<value_error>(index.size() == start.size() && !index.empty(), "dataset_reader::read: ", index.size(),
                       " indices and ", start.size(), " starts");
    check<value_error>(window >= 1 && window <= frames_, "dataset_reader::read: window ", window,
                       " outside [1, ", frames_, "]");
    const std::size_t B = index.size(), frame = height_ * width_ * channels_, D = state_dim_;
    batch b;
    b.index = index;
    b.start = start;
    b.image_shape = {B, window, height_, width_, channels_};
    b.images.resize(B * window * frame);
    const auto img = images_.as<std::uint8_t>();
    const float scale = range == pixel_range::zero_one ? 1.0f / 255.0f : 1.0f / 127.5f;
    const float shift = range == pixel_range::zero_one ? 0.0f : -1.0f;
    for (std::size_t r = 0; r < B; ++r) {
      check<value_error>(index[r] < count_ && start[r] + window <= frames_, "dataset_reader::read: window (",
                         index[r], ", ", start[r], ", ", window, ") outside ", count_, "×", frames_);
      const std::uint8_t* src = img.data() + (index[r] * frames_ + start[r]) * frame;
      float* dst = b.images.data() + r * window * frame;
      for (std::size_t k = 0; k < window * frame; ++k) dst[k] = static_cast<float>(src[k]) * scale + shift;
    }
    if (D) {
      b.state_shape = {B, window, D};
      b.x.resize(B * window * D);
      b.dx_dt.resize(B * window * D);
      const auto xs = x_.as<double>(), ds = dx_.as<double>();
      for (std::size_t r = 0; r < B; ++r) {
        const std::size_t off = (index[r] * frames_ + start[r]) * D;
        std::copy_n(xs.data() + off, window * D, b.x.data() + r * window * D);
        std::copy_n(ds.data() + off, window * D, b.dx_dt.data() + r * window * D);
      }
    }
    const std::size_t P = param_names_.size(), L = label_names_.size();
    for (std::size_t r = 0; r < B; ++r) {
      b.params.insert(b.params.end(), params_.begin() + static_cast<std::ptrdiff_t>(index[r] * P),
                      params_.begin() + static_cast<std::ptrdiff_t>((index[r] + 1) * P));
      b.labels.insert(b.labels.end(), labels_.begin() + static_cast<std::ptrdiff_t>(index[r] * L),
                      labels_.begin() + static_cast<std::ptrdiff_t>((index[r] + 1) * L));
    }
    return b;
  }

  /// A batch of random windows: trajectories uniform in [0, N), starts uniform in [0, frames − T].
  batch sample(rng& gen, const batch_options& o) const {
    const std::size_t T = o.window ? o.window : frames_;
    check<value_error>(o.batch_size >= 1, "dataset_reader::sample: batch size must be positive");
    check<value_error>(T <= frames_, "dataset_reader::sample: window ", T, " longer than the ", frames_,
                       " frames of '", dir_.string(), "'");
    std::vector<std::size_t> index(o.batch_size), start(o.batch_size);
    for (std::size_t r = 0; r < o.batch_size; ++r) {
      index[r] = static_cast<std::size_t>(gen.below(count_));
      start[r] = static_cast<std::size_t>(gen.below(frames_ - T + 1));
    }
    return read(index, start, T, o.range);
  }

private:
  io::npy_map open_array(const char* name, std::vector<std::size_t> shape, io::npy_dtype dtype) const {
    const std::string where = "dataset_reader: ";
    const auto& arrays = manifest_["arrays"];
    check<io_error>(arrays.contains(name), where, "'", (dir_ / "manifest.json").string(), "' lists no '",
                    name, "' array");
    std::string file;
    try {
      file = arrays[name].at("file").get<std::string>();
    } catch (const io::json::exception&) {
      throw io_error(hamgen::detail::concat(where, "'", (dir_ / "manifest.json").string(), "': array '", name,
                                            "' has no file name"));
    }
    const auto path = dir_ / file;
    io::npy_map m(path); // validates header and size
    check<io_error>(m.header().dtype == dtype, where, "'", path.string(), "' holds ",
                    io::npy_descr(m.header().dtype), ", the manifest needs ", io::npy_descr(dtype));
    check<io_error>(m.shape() == shape, where, "'", path.string(), "' has shape ",
                    io::detail::shape_string(m.shape()), ", the manifest says ",
                    io::detail::shape_string(shape));
    return m;
  }

  std::filesystem::path dir_;
  io::json manifest_;
  std::size_t count_ = 0, frames_ = 0, height_ = 0, width_ = 0, channels_ = 0, state_dim_ = 0;
  std::vector<std::string> param_names_, label_names_;
  io::npy_map images_, x_, dx_;
  std::vector<double> params_;
  std::vector<std::int32_t> labels_;
};

} // namespace hamgen::data
