// hamgen/io/json.hpp
//
// Represents: reading and writing JSON documents (manifests, configs) with nlohmann_json.
// Requires:   nlohmann_json 3 headers (Debian nlohmann-json3-dev; CMake nlohmann_json::nlohmann_json).
// Ensures:    write_json writes atomically (temporary file in the same folder, then rename) with a
//             trailing newline; read_json raises hamgen::io_error naming the file when it is missing,
//             unreadable or not valid JSON (with the parser's byte position).
#pragma once

#include <hamgen/core/error.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace hamgen::io {

using json = nlohmann::json;

inline void write_json(const std::filesystem::path& path, const json& doc, int indent = 2) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    check<io_error>(static_cast<bool>(out), "write_json: cannot open '", tmp.string(), "' for writing");
    out << doc.dump(indent) << '\n';
    out.flush();
    check<io_error>(static_cast<bool>(out), "write_json: writing '", tmp.string(), "' failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  check<io_error>(!ec, "write_json: cannot rename '", tmp.string(), "' to '", path.string(),
                  "': ", ec.message());
}

inline json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  check<io_error>(static_cast<bool>(in), "read_json: cannot open '", path.string(),
                  "' (missing or unreadable)");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::parse_error& e) {
    throw io_error(
        hamgen::detail::concat("read_json: '", path.string(), "' is not valid JSON (byte ", e.byte, ")"));
  }
}

} // namespace hamgen::io
