// hamgen/io/checkpoint.hpp
//
// Represents: checkpoints of models and optimizers in the safetensors format
//             (https://github.com/huggingface/safetensors, format description): 8-byte
//             little-endian header length N, N bytes of JSON {"name": {"dtype": "F32", "shape":
//             [..], "data_offsets": [begin, end]}, ..., "__metadata__": {...}} padded with spaces
//             to a multiple of 8, then the raw little-endian tensor bytes. Readable by the
//             `safetensors` package or by six lines of numpy (docs/layers.md, "Checkpoints").
//             save_checkpoint(path, io::entry("model", net), io::entry("optim", adam), ...) stores
//             everything each object exposes through visit_state(f, prefix) (parameters,
//             buffers such as BatchNorm running stats, RNG counters, optimizer moments and step
//             counts) under "<entry>.<name>".
// Requires:   a little-endian host; nlohmann_json (link nlohmann_json::nlohmann_json).
// Ensures:    the file is written to "<path>.tmp" and renamed over `path` (atomic on POSIX);
//             load_checkpoint validates the whole file (length, JSON, dtypes, shapes, offsets,
//             every expected name present with the expected dtype and shape) before it writes a
//             single value, so a truncated or corrupt file raises hamgen::io_error naming the file
//             and nothing is loaded.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include <hamgen/core/error.hpp>
#include <hamgen/core/tensor.hpp>

namespace hamgen::io {

static_assert(std::endian::native == std::endian::little,
              "hamgen::io::checkpoint assumes a little-endian host");

template <class U>
constexpr const char* dtype_name() {
  if constexpr (std::is_same_v<U, float>)
    return "F32";
  else if constexpr (std::is_same_v<U, double>)
    return "F64";
  else if constexpr (std::is_same_v<U, std::int64_t>)
    return "I64";
  else if constexpr (std::is_same_v<U, std::uint64_t>)
    return "U64";
  else if constexpr (std::is_same_v<U, std::int32_t>)
    return "I32";
  else if constexpr (std::is_same_v<U, std::uint8_t>)
    return "U8";
  else
    static_assert(sizeof(U) == 0, "hamgen::io::checkpoint: unsupported element type");
}
inline std::size_t dtype_size(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "U8") return 1;
  return 0;
}

/// A named object to save or load: anything with visit_state(f, prefix).
template <class Obj>
struct entry_ref {
  std::string name;
  Obj& obj;
};
template <class Obj>
entry_ref<Obj> entry(std::string name, Obj& obj) {
  return {std::move(name), obj};
}

template <class... Obj>
void save_checkpoint(const std::string& path, entry_ref<Obj>... entries) {
  struct item {
    std::string name, dtype;
    std::vector<std::size_t> shape;
    const char* data;
    std::size_t bytes;
  };
  std::vector<item> items;
  auto collect = [&](auto& e) {
    e.obj.visit_state(
        [&](const std::string& name, auto& t) {
          using U = typename std::decay_t<decltype(t)>::value_type;
          items.push_back({name, dtype_name<U>(),
                           std::vector<std::size_t>(t.shape().begin(), t.shape().end()),
                           reinterpret_cast<const char*>(t.data()), t.size() * sizeof(U)});
        },
        e.name + ".");
  };
  (collect(entries), ...);
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"}, {"writer", "hamgen"}};
  std::size_t off = 0;
  for (const auto& it : items) {
    HAMGEN_CHECK(!header.contains(it.name), "save_checkpoint: ", path, ": duplicate tensor name '", it.name,
                 "'");
    header[it.name] = {{"dtype", it.dtype}, {"shape", it.shape}, {"data_offsets", {off, off + it.bytes}}};
    off += it.bytes;
  }
  std::string h = header.dump();
  while (h.size() % 8) h.push_back(' ');
  const std::uint64_t n = h.size();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw io_error("save_checkpoint: cannot open " + tmp + " for writing");
    f.write(reinterpret_cast<const char*>(&n), 8);
    f.write(h.data(), std::streamsize(h.size()));
    for (const auto& it : items) f.write(it.data, std::streamsize(it.bytes));
    f.flush();
    if (!f) {
      f.close();
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw io_error("save_checkpoint: writing " + tmp + " failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw io_error("save_checkpoint: cannot rename " + tmp + " to " + path + ": " + ec.message());
}

template <class... Obj>
void load_checkpoint(const std::string& path, entry_ref<Obj>... entries) {
  auto fail = [&](const std::string& why) -> void {
    throw io_error("load_checkpoint: " + path + ": " + why);
  };
  std::vector<char> buf;
  {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) fail("cannot open file");
    const auto size = f.tellg();
    if (size < 0) fail("cannot read file size");
    buf.resize(std::size_t(size));
    f.seekg(0);
    f.read(buf.data(), std::streamsize(buf.size()));
    if (!f) fail("read error");
  }
  if (buf.size() < 8) fail("truncated: " + std::to_string(buf.size()) + " bytes, no header length");
  std::uint64_t n = 0;
  std::memcpy(&n, buf.data(), 8);
  if (n > buf.size() - 8)
    fail("truncated or corrupt: header length " + std::to_string(n) + " exceeds the file size");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(buf.begin() + 8, buf.begin() + 8 + std::ptrdiff_t(n));
  } catch (const std::exception& e) {
    fail(std::string("corrupt header: ") + e.what());
  }
  if (!header.is_object()) fail("corrupt header: not a JSON object");
  const char* data = buf.data() + 8 + n;
  const std::size_t data_size = buf.size() - 8 - n;
  struct span_t {
    std::string dtype;
    std::vector<std::size_t> shape;
    std::size_t begin = 0, end = 0;
  };
  std::map<std::string, span_t> table;
  try {
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") continue;
      const auto& v = it.value();
      span_t s{v.at("dtype").get<std::string>(), v.at("shape").get<std::vector<std::size_t>>(),
               v.at("data_offsets").at(0).get<std::size_t>(), v.at("data_offsets").at(1).get<std::size_t>()};
      const std::size_t es = dtype_size(s.dtype);
      if (es == 0) fail("tensor '" + it.key() + "' has unsupported dtype " + s.dtype);
      std::size_t numel = 1;
      for (auto d : s.shape) numel *= d;
      if (s.begin > s.end || s.end > data_size)
        fail("truncated or corrupt: tensor '" + it.key() + "' lies outside the data section");
      if (s.end - s.begin != numel * es)
        fail("corrupt: tensor '" + it.key() + "' byte size does not match its shape");
      table.emplace(it.key(), std::move(s));
    }
  } catch (const io_error&) {
    throw;
  } catch (const std::exception& e) {
    fail(std::string("corrupt header: ") + e.what());
  }
  // Pass 1: check every expected tensor; pass 2: copy. Nothing is written unless all checks pass.
  for (int pass = 0; pass < 2; ++pass) {
    auto visit = [&](auto& e) {
      e.obj.visit_state(
          [&](const std::string& name, auto& t) {
            using U = typename std::decay_t<decltype(t)>::value_type;
            auto it = table.find(name);
            if (it == table.end()) fail("missing tensor '" + name + "'");
            const auto& s = it->second;
            if (s.dtype != dtype_name<U>())
              fail("tensor '" + name + "' has dtype " + s.dtype + ", expected " + dtype_name<U>());
            const hamgen::shape sh(s.shape.begin(), s.shape.end());
            if (!(sh == t.shape()))
              fail("tensor '" + name + "' has shape " + sh.str() + ", expected " + t.shape().str());
            if (pass == 1 && t.size()) std::memcpy(t.data(), data + s.begin, s.end - s.begin);
          },
          e.name + ".");
    };
    (visit(entries), ...);
  }
}

} // namespace hamgen::io
