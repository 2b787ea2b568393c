// hamgen/io/npy.hpp
//
// Represents: NumPy .npy files (format version 1.0 written; 1.0/2.0 read) holding one C-order array of
//             uint8, int32, int64, float32 or float64, little-endian.
// Requires:   a little-endian host (checked at compile time); POSIX mmap for npy_map.
// Ensures:    write_npy writes atomically (temporary file in the same folder, then rename);
//             npy_stream_writer writes the header first and appends rows, refusing to close short;
//             read_npy_header / read_npy / npy_map validate the magic string, the header dictionary,
//             the dtype (against the requested C++ type), Fortran order (rejected), the shape and the
//             exact file size, and raise hamgen::io_error naming the file and the problem.
// Source:     the format is NumPy's NEP 1 ("A simple file format for NumPy arrays"): magic "\x93NUMPY",
//             two version bytes, a little-endian header length (uint16 for 1.0, uint32 for 2.0), an ASCII
//             Python dict literal padded with spaces and ending in '\n' so the data starts 64-byte aligned.
#pragma once

#include <hamgen/core/error.hpp>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hamgen::io {

static_assert(std::endian::native == std::endian::little, "hamgen::io::npy assumes a little-endian host");

/// The element types hamgen reads and writes.
enum class npy_dtype { u8, i32, i64, f32, f64 };

template <class T>
concept npy_element = std::same_as<T, std::uint8_t> || std::same_as<T, std::int32_t> ||
    std::same_as<T, std::int64_t> || std::same_as<T, float> || std::same_as<T, double>;

template <npy_element T>
constexpr npy_dtype npy_dtype_of() {
  if constexpr (std::same_as<T, std::uint8_t>)
    return npy_dtype::u8;
  else if constexpr (std::same_as<T, std::int32_t>)
    return npy_dtype::i32;
  else if constexpr (std::same_as<T, std::int64_t>)
    return npy_dtype::i64;
  else if constexpr (std::same_as<T, float>)
    return npy_dtype::f32;
  else
    return npy_dtype::f64;
}

/// NumPy's descr string for a dtype ("|u1", "<i4", "<i8", "<f4", "<f8").
inline const char* npy_descr(npy_dtype d) {
  switch (d) {
  case npy_dtype::u8:
    return "|u1";
  case npy_dtype::i32:
    return "<i4";
  case npy_dtype::i64:
    return "<i8";
  case npy_dtype::f32:
    return "<f4";
  default:
    return "<f8";
  }
}

inline std::size_t npy_item_size(npy_dtype d) {
  switch (d) {
  case npy_dtype::u8:
    return 1;
  case npy_dtype::i32:
  case npy_dtype::f32:
    return 4;
  default:
    return 8;
  }
}

/// What a .npy header says: element type, shape and where the data starts.
struct npy_header {
  npy_dtype dtype = npy_dtype::f64;
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;
  std::size_t count() const {
    std::size_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }
  std::size_t bytes() const { return count() * npy_item_size(dtype); }
};

namespace detail {

inline std::string shape_string(std::span<const std::size_t> shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) s += ",";
    if (i + 1 < shape.size()) s += " ";
  }
  return s + ")";
}

/// The full v1.0 preamble + header for an array, padded to a multiple of 64 bytes.
inline std::string npy_preamble(npy_dtype dtype, std::span<const std::size_t> shape) {
  std::string dict = std::string("{'descr': '") + npy_descr(dtype) +
                     "', 'fortran_order': False, 'shape': " + shape_string(shape) + ", }";
  const std::size_t unpadded = 10 + dict.size() + 1; // magic(6)+version(2)+len(2)+dict+'\n'
  const std::size_t total = (unpadded + 63) / 64 * 64;
  dict.append(total - unpadded, ' ');
  dict += '\n';
  check<io_error>(dict.size() <= 65535, "write_npy: header of ", dict.size(), " bytes is too long");
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  return out + dict;
}

inline std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i;
}

/// Parses the header dictionary; `file` names the file in error messages.
inline npy_header parse_npy_dict(std::string_view dict, const std::string& file) {
  auto fail = [&](const std::string& what) {
    throw io_error(hamgen::detail::concat("read_npy: '", file, "': ", what));
  };
  npy_header h;
  // descr
  auto key = dict.find("'descr'");
  if (key == std::string_view::npos) fail("header has no 'descr' key");
  auto q1 = dict.find('\'', dict.find(':', key) + 1);
  auto q2 = q1 == std::string_view::npos ? q1 : dict.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) fail("header 'descr' value is malformed");
  const std::string descr(dict.substr(q1 + 1, q2 - q1 - 1));
  if (descr == "|u1" || descr == "<u1" || descr == "u1" || descr == "|b1")
    h.dtype = npy_dtype::u8;
  else if (descr == "<i4")
    h.dtype = npy_dtype::i32;
  else if (descr == "<i8")
    h.dtype = npy_dtype::i64;
  else if (descr == "<f4")
    h.dtype = npy_dtype::f32;
  else if (descr == "<f8")
    h.dtype = npy_dtype::f64;
  else
    fail("unsupported dtype '" + descr + "' (hamgen reads |u1 <i4 <i8 <f4 <f8)");
  // fortran_order
  key = dict.find("'fortran_order'");
  if (key == std::string_view::npos) fail("header has no 'fortran_order' key");
  auto v = skip_space(dict, dict.find(':', key) + 1);
  if (dict.substr(v, 4) == "True") fail("Fortran-order arrays are not supported");
  if (dict.substr(v, 5) != "False") fail("header 'fortran_order' value is malformed");
  // shape
  key = dict.find("'shape'");
  if (key == std::string_view::npos) fail("header has no 'shape' key");
  auto open = dict.find('(', key);
  auto close = open == std::string_view::npos ? open : dict.find(')', open);
  if (close == std::string_view::npos) fail("header 'shape' value is malformed");
  std::size_t i = open + 1;
  while (true) {
    i = skip_space(dict, i);
    if (i >= close) break;
    if (dict[i] < '0' || dict[i] > '9') fail("header 'shape' holds a non-integer");
    std::size_t n = 0;
    while (i < close && dict[i] >= '0' && dict[i] <= '9') {
      if (n > (std::size_t{1} << 50)) fail("header 'shape' holds an impossible size");
      n = n * 10 + static_cast<std::size_t>(dict[i] - '0');
      ++i;
    }
    h.shape.push_back(n);
    i = skip_space(dict, i);
    if (i < close && dict[i] == ',')
      ++i;
    else if (i < close)
      fail("header 'shape' value is malformed");
  }
  return h;
}

} // namespace detail

/// Reads and validates the header of `path`, including that the file holds exactly the array's bytes.
inline npy_header read_npy_header(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  check<io_error>(static_cast<bool>(in), "read_npy: cannot open '", file, "' (missing or unreadable)");
  char pre[10] = {};
  in.read(pre, 8);
  check<io_error>(in.gcount() == 8 && std::memcmp(pre, "\x93NUMPY", 6) == 0, "read_npy: '", file,
                  "' is not a .npy file (bad magic string)");
  const int major = static_cast<unsigned char>(pre[6]);
  check<io_error>(major == 1 || major == 2, "read_npy: '", file, "' has unsupported format version ", major);
  std::size_t header_len = 0, prefix = 0;
  if (major == 1) {
    unsigned char l[2] = {};
    in.read(reinterpret_cast<char*>(l), 2);
    check<io_error>(in.gcount() == 2, "read_npy: '", file, "' is truncated inside the preamble");
    header_len = l[0] | (static_cast<std::size_t>(l[1]) << 8);
    prefix = 10;
  } else {
    unsigned char l[4] = {};
    in.read(reinterpret_cast<char*>(l), 4);
    check<io_error>(in.gcount() == 4, "read_npy: '", file, "' is truncated inside the preamble");
    header_len = l[0] | (static_cast<std::size_t>(l[1]) << 8) | (static_cast<std::size_t>(l[2]) << 16) |
                 (static_cast<std::size_t>(l[3]) << 24);
    prefix = 12;
  }
  check<io_error>(header_len < (1u << 24), "read_npy: '", file, "' declares an impossible header length");
  std::string dict(header_len, '\0');
  in.read(dict.data(), static_cast<std::streamsize>(header_len));
  check<io_error>(static_cast<std::size_t>(in.gcount()) == header_len, "read_npy: '", file,
                  "' is truncated inside the header");
  check<io_error>(!dict.empty() && dict.back() == '\n' && dict.find('{') != std::string::npos &&
                      dict.find('}') != std::string::npos,
                  "read_npy: '", file, "' has a malformed header dictionary");
  npy_header h = detail::parse_npy_dict(dict, file);
  h.data_offset = prefix + header_len;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  check<io_error>(!ec, "read_npy: cannot stat '", file, "': ", ec.message());
  const std::size_t want = h.data_offset + h.bytes();
  check<io_error>(size >= want, "read_npy: '", file, "' is truncated: shape ", detail::shape_string(h.shape),
                  " of ", npy_descr(h.dtype), " needs ", want, " bytes, the file has ", size);
  check<io_error>(size == want, "read_npy: '", file, "' has ", size - want,
                  " bytes after the array data (corrupt or not a single array)");
  return h;
}

/// An array read fully into memory.
template <npy_element T>
struct npy_array {
  std::vector<std::size_t> shape;
  std::vector<T> data;
  std::size_t count() const { return data.size(); }
};

namespace detail {
template <npy_element T>
void check_dtype(const npy_header& h, const std::string& file) {
  check<io_error>(h.dtype == npy_dtype_of<T>(), "read_npy: '", file, "' holds ", npy_descr(h.dtype), " but ",
                  npy_descr(npy_dtype_of<T>()), " was expected");
}
} // namespace detail

/// Reads the whole array; throws io_error if the dtype is not T.
template <npy_element T>
npy_array<T> read_npy(const std::filesystem::path& path) {
  const npy_header h = read_npy_header(path);
  detail::check_dtype<T>(h, path.string());
  npy_array<T> a;
  a.shape = h.shape;
  a.data.resize(h.count());
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(h.data_offset));
  in.read(reinterpret_cast<char*>(a.data.data()), static_cast<std::streamsize>(h.bytes()));
  check<io_error>(static_cast<std::size_t>(in.gcount()) == h.bytes(), "read_npy: '", path.string(),
                  "' could not be read completely");
  return a;
}

/// Writes `count(shape)` elements from `data` to `path` atomically.
template <npy_element T>
void write_npy(const std::filesystem::path& path, const T* data, std::span<const std::size_t> shape) {
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    check<io_error>(static_cast<bool>(out), "write_npy: cannot open '", tmp.string(), "' for writing");
    const std::string pre = detail::npy_preamble(npy_dtype_of<T>(), shape);
    out.write(pre.data(), static_cast<std::streamsize>(pre.size()));
    if (n > 0) out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
    out.flush();
    check<io_error>(static_cast<bool>(out), "write_npy: writing '", tmp.string(), "' failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  check<io_error>(!ec, "write_npy: cannot rename '", tmp.string(), "' to '", path.string(),
                  "': ", ec.message());
}

template <npy_element T>
void write_npy(const std::filesystem::path& path, const std::vector<T>& data,
               std::initializer_list<std::size_t> shape) {
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  check<shape_error>(n == data.size(), "write_npy: '", path.string(), "': shape ",
                     detail::shape_string(std::span<const std::size_t>(shape.begin(), shape.size())),
                     " needs ", n, " elements, got ", data.size());
  write_npy(path, data.data(), std::span<const std::size_t>(shape.begin(), shape.size()));
}

template <npy_element T>
void write_npy(const std::filesystem::path& path, const std::vector<T>& data,
               const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  check<shape_error>(n == data.size(), "write_npy: '", path.string(), "': shape ",
                     detail::shape_string(shape), " needs ", n, " elements, got ", data.size());
  write_npy(path, data.data(), std::span<const std::size_t>(shape));
}

/// Writes an array of known shape in pieces along its first axis (for arrays larger than memory).
/// The file is complete only after close(); destroying an unclosed writer leaves a short file that
/// read_npy_header rejects as truncated.
template <npy_element T>
class npy_stream_writer {
public:
  npy_stream_writer(const std::filesystem::path& path, std::vector<std::size_t> shape)
      : path_(path), shape_(std::move(shape)) {
    check<shape_error>(!shape_.empty(), "npy_stream_writer: '", path_.string(),
                       "' needs a shape of rank >= 1");
    row_ = 1;
    for (std::size_t i = 1; i < shape_.size(); ++i) row_ *= shape_[i];
    out_.open(path_, std::ios::binary | std::ios::trunc);
    check<io_error>(static_cast<bool>(out_), "npy_stream_writer: cannot open '", path_.string(), "'");
    const std::string pre = detail::npy_preamble(npy_dtype_of<T>(), shape_);
    out_.write(pre.data(), static_cast<std::streamsize>(pre.size()));
  }
  /// Appends `rows` rows (each the product of shape[1..]) from `data`.
  void append(const T* data, std::size_t rows) {
    check<shape_error>(written_ + rows <= shape_[0], "npy_stream_writer: '", path_.string(),
                       "': ", written_ + rows, " rows exceed the declared ", shape_[0]);
    out_.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(rows * row_ * sizeof(T)));
    check<io_error>(static_cast<bool>(out_), "npy_stream_writer: writing '", path_.string(), "' failed");
    written_ += rows;
  }
  void close() {
    check<shape_error>(written_ == shape_[0], "npy_stream_writer: '", path_.string(), "' closed after ",
                       written_, " of ", shape_[0], " rows");
    out_.flush();
    check<io_error>(static_cast<bool>(out_), "npy_stream_writer: flushing '", path_.string(), "' failed");
    out_.close();
  }
  std::size_t row_size() const { return row_; }

private:
  std::filesystem::path path_;
  std::vector<std::size_t> shape_;
  std::size_t row_ = 1, written_ = 0;
  std::ofstream out_;
};

/// A read-only memory map of a validated .npy file: the OS pages data in on demand, so arrays larger
/// than memory can be streamed.
class npy_map {
public:
  npy_map() = default;
  explicit npy_map(const std::filesystem::path& path) : path_(path.string()) {
    header_ = read_npy_header(path);
    int fd = ::open(path.c_str(), O_RDONLY);
    check<io_error>(fd >= 0, "npy_map: cannot open '", path_, "'");
    size_ = header_.data_offset + header_.bytes();
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    check<io_error>(p != MAP_FAILED, "npy_map: cannot memory-map '", path_, "'");
    base_ = static_cast<const unsigned char*>(p);
  }
  npy_map(const npy_map&) = delete;
  npy_map& operator=(const npy_map&) = delete;
  npy_map(npy_map&& o) noexcept { swap(o); }
  npy_map& operator=(npy_map&& o) noexcept {
    if (this != &o) {
      release();
      swap(o);
    }
    return *this;
  }
  ~npy_map() { release(); }

  const npy_header& header() const { return header_; }
  const std::vector<std::size_t>& shape() const { return header_.shape; }
  const std::string& path() const { return path_; }
  /// The elements as T; throws io_error when the file's dtype is not T.
  template <npy_element T>
  std::span<const T> as() const {
    detail::check_dtype<T>(header_, path_);
    return {reinterpret_cast<const T*>(base_ + header_.data_offset), header_.count()};
  }

private:
  void release() {
    if (base_) ::munmap(const_cast<unsigned char*>(base_), size_);
    base_ = nullptr;
  }
  void swap(npy_map& o) noexcept {
    std::swap(path_, o.path_);
    std::swap(header_, o.header_);
    std::swap(base_, o.base_);
    std::swap(size_, o.size_);
  }
  std::string path_;
  npy_header header_;
  const unsigned char* base_ = nullptr;
  std::size_t size_ = 0;
};

} // namespace hamgen::io
