#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <hamgen/io/checkpoint.hpp>
#include <hamgen/nn/activation.hpp>
#include <hamgen/nn/batch_norm.hpp>
#include <hamgen/nn/dropout.hpp>
#include <hamgen/nn/linear.hpp>
#include <hamgen/nn/sequential.hpp>
#include <hamgen/optim/adam.hpp>

using namespace hamgen;
namespace ad = hamgen::autodiff;

namespace {
auto make_net(std::uint64_t seed) {
  generator g(seed);
  return nn::sequential{nn::linear<float>({.in = 4, .out = 8}, g), nn::batch_norm1d<float>({.features = 8}),
                        nn::leaky_relu({.slope = 0.2}), nn::dropout({.p = 0.2, .seed = seed}),
                        nn::linear<float>({.in = 8, .out = 1}, g)};
}
template <class Net, class Opt>
void train(Net& net, Opt& opt, int from, int to) {
  for (int i = from; i < to; ++i) {
    generator g(1000 + std::uint64_t(i));
    auto x = normal<float>({16, 4}, g);
    auto y = normal<float>({16, 1}, g);
    tape t;
    auto out = net.forward(t, t.constant(x));
    auto loss = ad::mean(ad::square(ad::sub(out, t.constant(y))));
    opt.zero_grad();
    backward(t, loss);
    opt.step();
  }
}
template <class Net>
std::vector<float> flat_state(Net& net) {
  std::vector<float> r;
  net.visit_state(
      [&](const std::string&, auto& t) {
        for (auto v : t) r.push_back(static_cast<float>(v));
      },
      "");
  return r;
}
std::string tmp(const char* name) {
  std::filesystem::create_directories(HAMGEN_TEST_TMPDIR);
  return std::string(HAMGEN_TEST_TMPDIR) + "/" + name;
}
} // namespace

TEST_CASE("checkpoint: resume is bit-exact (k + k steps == 2k steps)", "[io][checkpoint]") {
  const int k = 5;
  auto net_a = make_net(1);
  auto opt_a = optim::adam<float>(nn::named_parameters<float>(net_a), {.lr = 1e-2, .weight_decay = 1e-3});
  train(net_a, opt_a, 0, 2 * k);

  const auto path = tmp("resume.safetensors");
  {
    auto net_b = make_net(1);
    auto opt_b = optim::adam<float>(nn::named_parameters<float>(net_b), {.lr = 1e-2, .weight_decay = 1e-3});
    train(net_b, opt_b, 0, k);
    io::save_checkpoint(path, io::entry("model", net_b), io::entry("optim", opt_b));
  }
  auto net_c = make_net(99); // different initial weights: everything must come from the file
  auto opt_c = optim::adam<float>(nn::named_parameters<float>(net_c), {.lr = 1e-2, .weight_decay = 1e-3});
  io::load_checkpoint(path, io::entry("model", net_c), io::entry("optim", opt_c));
  CHECK(opt_c.steps() == k);
  train(net_c, opt_c, k, 2 * k);
  const auto sa = flat_state(net_a), sc = flat_state(net_c);
  REQUIRE(sa.size() == sc.size());
  for (std::size_t i = 0; i < sa.size(); ++i) CHECK(sa[i] == sc[i]); // exact equality
}

TEST_CASE("checkpoint: safetensors layout readable without hamgen", "[io][checkpoint]") {
  generator g(3);
  nn::linear<double> lin({.in = 3, .out = 2}, g);
  const auto path = tmp("layout.safetensors");
  io::save_checkpoint(path, io::entry("lin", lin));
  std::ifstream f(path, std::ios::binary);
  std::vector<char> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::uint64_t n = 0;
  std::memcpy(&n, buf.data(), 8);
  CHECK(n % 8 == 0);
  auto h = nlohmann::json::parse(buf.begin() + 8, buf.begin() + 8 + std::ptrdiff_t(n));
  CHECK(h["lin.weight"]["dtype"] == "F64");
  CHECK(h["lin.weight"]["shape"] == std::vector<int>{2, 3});
  const auto off = h["lin.bias"]["data_offsets"][0].get<std::size_t>();
  double b1 = 0;
  std::memcpy(&b1, buf.data() + 8 + n + off + sizeof(double), sizeof(double));
  CHECK(b1 == lin.bias.value[1]);
  CHECK(buf.size() == 8 + n + 8 * (6 + 2));
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("checkpoint: truncated or corrupt files are rejected and nothing is loaded", "[io][checkpoint]") {
  generator g(4);
  nn::sequential net{nn::linear<float>({.in = 3, .out = 4}, g), nn::batch_norm1d<float>({.features = 4})};
  const auto path = tmp("good.safetensors");
  io::save_checkpoint(path, io::entry("model", net));
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());

  generator g2(5);
  nn::sequential other{nn::linear<float>({.in = 3, .out = 4}, g2), nn::batch_norm1d<float>({.features = 4})};
  const auto before = flat_state(other);
  auto write = [&](const char* name, const std::string& content) {
    const auto p = tmp(name);
    std::ofstream o(p, std::ios::binary | std::ios::trunc);
    o.write(content.data(), std::streamsize(content.size()));
    return p;
  };
  const auto truncated = write("truncated.safetensors", bytes.substr(0, bytes.size() - 10));
  CHECK_THROWS_AS(io::load_checkpoint(truncated, io::entry("model", other)), io_error);
  CHECK_THROWS_WITH(io::load_checkpoint(truncated, io::entry("model", other)),
                    Catch::Contains("truncated.safetensors"));
  const auto tiny = write("tiny.safetensors", bytes.substr(0, 5));
  CHECK_THROWS_AS(io::load_checkpoint(tiny, io::entry("model", other)), io_error);
  std::string corrupt = bytes;
  corrupt[9] = '#'; // break the JSON
  CHECK_THROWS_AS(io::load_checkpoint(write("corrupt.safetensors", corrupt), io::entry("model", other)),
                  io_error);
  std::string huge = bytes;
  huge[7] = '\x7f'; // header length beyond the file
  CHECK_THROWS_WITH(io::load_checkpoint(write("huge.safetensors", huge), io::entry("model", other)),
                    Catch::Contains("huge.safetensors"));
  CHECK_THROWS_WITH(io::load_checkpoint(tmp("missing.safetensors"), io::entry("model", other)),
                    Catch::Contains("missing.safetensors"));
  // a model with an extra layer: the missing name is reported, nothing is half-loaded
  nn::sequential bigger{nn::linear<float>({.in = 3, .out = 4}, g2), nn::batch_norm1d<float>({.features = 4}),
                        nn::linear<float>({.in = 4, .out = 1}, g2)};
  const auto bigger_before = flat_state(bigger);
  CHECK_THROWS_WITH(io::load_checkpoint(path, io::entry("model", bigger)), Catch::Contains("model.2.weight"));
  CHECK(flat_state(bigger) == bigger_before);
  CHECK(flat_state(other) == before);
  io::load_checkpoint(path, io::entry("model", other));
  CHECK(flat_state(other) == flat_state(net));
}
