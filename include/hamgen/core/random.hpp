// hamgen/core/random.hpp
//
// Represents: hamgen::generator, a seeded pseudo-random generator whose streams are identical on
//             every platform and standard library (std::normal_distribution is implementation-
//             defined, so hamgen does its own transforms). Engine: xoshiro256** (Blackman & Vigna,
//             "Scrambled linear pseudorandom number generators", 2021), seeded through splitmix64.
// Requires:   nothing beyond the standard library.
// Ensures:    same seed -> same sequence; uniform() in [0, 1) with 53 random bits; normal() by the
//             Box-Muller transform (Box & Muller 1958); the full state can be saved and restored
//             (state()/set_state()) so checkpoints resume bit-exactly.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>

#include <hamgen/core/tensor.hpp>

namespace hamgen {

namespace detail {
/// SplitMix64 (Steele, Lea, Flood 2014): advances x and returns the next output (used for seeding).
inline std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
/// One step of xoshiro256** on the state s; returns the output. Shared by hamgen::generator and the
/// dataset generators' data::rng.
inline std::uint64_t xoshiro256ss_next(std::array<std::uint64_t, 4>& s) noexcept {
  const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
  const std::uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}
} // namespace detail

class generator {
public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type(0); }

  explicit generator(std::uint64_t seed = 0) { this->seed(seed); }

  void seed(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : s_) s = detail::splitmix64(x);
    has_spare_ = false;
  }

  result_type operator()() noexcept { return detail::xoshiro256ss_next(s_); }

  /// Uniform double in [0, 1).
  double uniform() noexcept { return double((*this)() >> 11) * 0x1.0p-53; }
  /// Uniform double in [lo, hi).
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  /// Standard normal (Box-Muller; the second value of each pair is cached).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 0;
    do u1 = uniform();
    while (u1 <= 0.0);
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * std::numbers::pi * u2);
  }
  double normal(double mean, double stddev) noexcept { return mean + stddev * normal(); }

  /// Full state: 4 engine words, the cached normal (bit pattern) and its flag.
  std::array<std::uint64_t, 6> state() const noexcept {
    std::uint64_t spare_bits = 0;
    static_assert(sizeof(double) == sizeof(std::uint64_t));
    std::memcpy(&spare_bits, &spare_, sizeof spare_bits);
    return {s_[0], s_[1], s_[2], s_[3], spare_bits, has_spare_ ? 1u : 0u};
  }
  void set_state(const std::array<std::uint64_t, 6>& st) noexcept {
    for (int i = 0; i < 4; ++i) s_[i] = st[i];
    std::memcpy(&spare_, &st[4], sizeof spare_);
    has_spare_ = st[5] != 0;
  }

private:
  std::array<std::uint64_t, 4> s_{};
  double spare_ = 0;
  bool has_spare_ = false;
};

/// Fills t with independent U[lo, hi) draws.
template <class T>
void fill_uniform(tensor<T, cpu_t>& t, generator& g, double lo, double hi) {
  for (auto& v : t) v = static_cast<T>(g.uniform(lo, hi));
}
/// Fills t with independent N(mean, stddev²) draws.
template <class T>
void fill_normal(tensor<T, cpu_t>& t, generator& g, double mean = 0, double stddev = 1) {
  for (auto& v : t) v = static_cast<T>(g.normal(mean, stddev));
}
/// A new tensor of U[lo, hi) draws.
template <class T>
tensor<T, cpu_t> uniform(const shape& s, generator& g, double lo = 0, double hi = 1) {
  tensor<T, cpu_t> t(s);
  fill_uniform(t, g, lo, hi);
  return t;
}
/// A new tensor of N(mean, stddev²) draws.
template <class T>
tensor<T, cpu_t> normal(const shape& s, generator& g, double mean = 0, double stddev = 1) {
  tensor<T, cpu_t> t(s);
  fill_normal(t, g, mean, stddev);
  return t;
}

} // namespace hamgen
