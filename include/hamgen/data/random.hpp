// hamgen/data/random.hpp
//
// Represents: the dataset generators' random numbers: a counter-free 64-bit generator seeded per
//             trajectory from (dataset seed, trajectory index), with uniform and normal draws.
// Requires:   hamgen/core/random.hpp (the engine).
// Ensures:    the stream of a trajectory depends only on (seed, index) — not on the thread that
//             generates it or on the order of generation — and is identical on every platform (the
//             draws are written out here rather than taken from <random>'s distributions, whose
//             algorithms the standard leaves to the implementation).
// Source:     the engine is hamgen/core/random.hpp's (detail::xoshiro256ss_next, detail::splitmix64):
//             SplitMix64 (Steele, Lea, Flood 2014) for seeding; xoshiro256** (Blackman, Vigna 2018)
//             as the generator; 53-bit mantissa uniform doubles; Marsaglia's polar method for normals.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

#include <hamgen/core/random.hpp>

namespace hamgen::data {

/// xoshiro256** seeded from (seed, stream) through SplitMix64.
class rng {
public:
  explicit rng(std::uint64_t seed, std::uint64_t stream = 0) {
    std::uint64_t sm = seed ^ (0x6a09e667f3bcc909ULL * (stream + 1));
    hamgen::detail::splitmix64(sm);
    sm ^= stream * 0xd1342543de82ef95ULL;
    for (auto& w : s_) w = hamgen::detail::splitmix64(sm);
  }
  std::uint64_t next() { return hamgen::detail::xoshiro256ss_next(s_); }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi) (returns lo when lo == hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n) (n > 0), by rejection so there is no modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = (~std::uint64_t{0} / n) * n;
    std::uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
  }
  /// Standard normal.
  double normal() {
    double u, v, s;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * std::sqrt(-2 * std::log(s) / s);
  }
  bool coin() { return (next() >> 63) != 0; }

private:
  std::array<std::uint64_t, 4> s_{};
};

} // namespace hamgen::data
