#include <hamgen/io/npy.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <numeric>

namespace fs = std::filesystem;
using namespace hamgen::io;

namespace {
fs::path tmpdir() {
  fs::path d = fs::path(HAMGEN_TEST_TMPDIR) / "npy";
  fs::create_directories(d);
  return d;
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void spit(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}
} // namespace

TEMPLATE_TEST_CASE("npy round trip keeps shape, dtype and every element", "[io][npy]", std::uint8_t,
                   std::int32_t, std::int64_t, float, double) {
  const fs::path p = tmpdir() / "rt.npy";
  std::vector<TestType> v(2 * 3 * 5);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<TestType>(i * 7 % 251);
  write_npy(p, v, {2, 3, 5});
  CHECK_FALSE(fs::exists(p.string() + ".tmp"));
  const auto h = read_npy_header(p);
  CHECK(h.shape == std::vector<std::size_t>{2, 3, 5});
  CHECK(h.dtype == npy_dtype_of<TestType>());
  CHECK(h.data_offset % 64 == 0);
  const auto a = read_npy<TestType>(p);
  CHECK(a.shape == h.shape);
  CHECK(a.data == v);
  npy_map m(p);
  const auto s = m.template as<TestType>();
  CHECK(std::equal(s.begin(), s.end(), v.begin(), v.end()));
}

TEST_CASE("npy header is the exact NumPy v1.0 text", "[io][npy]") {
  const fs::path p = tmpdir() / "hdr.npy";
  write_npy(p, std::vector<double>{1.5, -2.0, 3.25}, {3});
  const std::string s = slurp(p);
  REQUIRE(s.size() == 128 + 24);
  CHECK(s.substr(0, 6) == "\x93NUMPY");
  CHECK(s[6] == 1);
  CHECK(s[7] == 0);
  CHECK(static_cast<unsigned char>(s[8]) == 118);
  CHECK(s.substr(10, 51) == "{'descr': '<f8', 'fortran_order': False, 'shape': (");
  CHECK(s.substr(61, 5) == "3,), ");
  CHECK(s[127] == '\n');
  double x = 0;
  std::memcpy(&x, s.data() + 144, 8);
  CHECK(x == 3.25);
  // scalar and uint8 descr
  write_npy(p, std::vector<std::uint8_t>{7}, {});
  const std::string s0 = slurp(p);
  CHECK(s0.find("'descr': '|u1'") != std::string::npos);
  CHECK(s0.find("'shape': ()") != std::string::npos);
  CHECK(read_npy<std::uint8_t>(p).data == std::vector<std::uint8_t>{7});
}

TEST_CASE("npy reader rejects missing, foreign, corrupt and mistyped files", "[io][npy]") {
  const fs::path d = tmpdir();
  CHECK_THROWS_WITH(read_npy<double>(d / "missing.npy"),
                    Catch::Contains("missing.npy") && Catch::Contains("cannot open"));
  spit(d / "text.npy", "hello, this is not numpy at all");
  CHECK_THROWS_WITH(read_npy<double>(d / "text.npy"),
                    Catch::Contains("text.npy") && Catch::Contains("magic"));
  write_npy(d / "good.npy", std::vector<float>(100, 1.0f), {10, 10});
  const std::string good = slurp(d / "good.npy");
  spit(d / "short.npy", good.substr(0, good.size() - 4));
  CHECK_THROWS_WITH(read_npy<float>(d / "short.npy"),
                    Catch::Contains("short.npy") && Catch::Contains("truncated"));
  spit(d / "long.npy", good + "xx");
  CHECK_THROWS_WITH(read_npy<float>(d / "long.npy"), Catch::Contains("after the array data"));
  spit(d / "cuthdr.npy", good.substr(0, 30));
  CHECK_THROWS_WITH(read_npy<float>(d / "cuthdr.npy"), Catch::Contains("truncated inside the header"));
  std::string bad = good;
  bad.replace(bad.find("<f4"), 3, "<c8");
  spit(d / "dtype.npy", bad);
  CHECK_THROWS_WITH(read_npy<float>(d / "dtype.npy"), Catch::Contains("unsupported dtype '<c8'"));
  bad = good;
  bad.replace(bad.find("False"), 5, "True ");
  spit(d / "fortran.npy", bad);
  CHECK_THROWS_WITH(read_npy<float>(d / "fortran.npy"), Catch::Contains("Fortran"));
  bad = good;
  bad.replace(bad.find("(10, 10)"), 8, "(10, xx)");
  spit(d / "shape.npy", bad);
  CHECK_THROWS_WITH(read_npy<float>(d / "shape.npy"), Catch::Contains("'shape'"));
  CHECK_THROWS_WITH(read_npy<double>(d / "good.npy"), Catch::Contains("holds <f4 but <f8 was expected"));
  CHECK_THROWS_AS(npy_map(d / "short.npy"), hamgen::io_error);
}

TEST_CASE("npy stream writer appends rows and refuses to close short", "[io][npy]") {
  const fs::path p = tmpdir() / "stream.npy";
  {
    npy_stream_writer<std::int32_t> w(p, {4, 3});
    std::vector<std::int32_t> rows(6);
    std::iota(rows.begin(), rows.end(), 0);
    w.append(rows.data(), 2);
    CHECK_THROWS_AS(w.close(), hamgen::shape_error);
    CHECK_THROWS_AS(read_npy_header(p), hamgen::io_error); // short file looks truncated
    std::iota(rows.begin(), rows.end(), 6);
    w.append(rows.data(), 2);
    CHECK_THROWS_AS(w.append(rows.data(), 1), hamgen::shape_error);
    w.close();
  }
  const auto a = read_npy<std::int32_t>(p);
  CHECK(a.shape == std::vector<std::size_t>{4, 3});
  for (std::size_t i = 0; i < 12; ++i) CHECK(a.data[i] == static_cast<std::int32_t>(i));
}
