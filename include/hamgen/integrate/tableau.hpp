// hamgen/integrate/tableau.hpp
//
// Represents: compile-time coefficient tables of splitting (composition) methods for separable
//             H = T(p) + V(q). A table is a sequence of stages applied left to right:
//               kick(c):  p ← p − c·dt·∇V(q)        (the exact flow of V for time c·dt)
//               drift(c): q ← q + c·dt·∇T(p)        (the exact flow of T for time c·dt)
//             i.e. the one-step map is … ∘ exp(c2 dt X2) ∘ exp(c1 dt X1), stage 1 first.
// Requires:   C++20 (constexpr arrays as static members of method tag types).
// Ensures:    tableau<N> {stages, order, symmetric}; triple_jump(base) builds, at compile time, the
//             order p+2 symmetric composition Φ(γ1 h) ∘ Φ(γ0 h) ∘ Φ(γ1 h), γ1 = 1/(2 − 2^{1/(p+1)}),
//             γ0 = 1 − 2γ1 (Creutz & Gocksch 1989; Suzuki 1990; Yoshida 1990, Phys. Lett. A 150, 262),
//             merging the touching stages of equal kind, so yoshida6 = triple_jump(yoshida4) has 19
//             stages, yoshida8 = triple_jump(yoshida6) has 55. Method tags, namespace methods:: (a name
//             and a table each; formulas and sources in hamgen/integrate/splitting.hpp), are here so
//             that Eigen-free code (CUDA kernels, hamgen/cuda/integrate.cuh) can use them.
#pragma once

#include <array>
#include <cstddef>

namespace hamgen::integrate {

enum class stage_kind : unsigned char {
  kick, ///< p ← p − c·dt·∇V(q)
  drift ///< q ← q + c·dt·∇T(p)
};

struct stage {
  stage_kind kind;
  double c;
};

/// A splitting method with N stages.
template <std::size_t N>
struct tableau {
  std::array<stage, N> stages;
  int order;      ///< classical order of convergence
  bool symmetric; ///< Φ(−h) = Φ(h)⁻¹ (time-reversible)

  static constexpr std::size_t size = N;
  constexpr const stage& front() const { return stages[0]; }
  constexpr const stage& back() const { return stages[N - 1]; }
  /// Number of kick stages (force evaluations per step without first-same-as-last reuse).
  constexpr std::size_t kicks() const {
    std::size_t n = 0;
    for (const auto& s : stages) n += s.kind == stage_kind::kick ? 1 : 0;
    return n;
  }
  /// Σ c over the stages of one kind (1 for a consistent method).
  constexpr double total(stage_kind k) const {
    double t = 0;
    for (const auto& s : stages) t += s.kind == k ? s.c : 0.0;
    return t;
  }
};

namespace detail {

/// x^(1/n) for x > 0 by Newton's method (constexpr; std::pow is not constexpr in C++20).
constexpr double root_n(double x, int n) {
  double y = x > 1 ? x : 1.0;
  for (int it = 0; it < 200; ++it) {
    double yn1 = 1.0;
    for (int i = 0; i < n - 1; ++i) yn1 *= y;
    const double next = y - (yn1 * y - x) / (n * yn1);
    if (next == y) break;
    y = next;
  }
  return y;
}

} // namespace detail

/// The triple-jump composition of a symmetric method of even order p: order p + 2, symmetric.
template <std::size_t N>
constexpr tableau<3 * N - 2> triple_jump(const tableau<N>& base) {
  // Precondition (checked where the table is instantiated): base.symmetric, base.order even, and the
  // first and last stages have the same kind so the touching stages merge.
  const double g1 = 1.0 / (2.0 - detail::root_n(2.0, base.order + 1));
  const double g0 = 1.0 - 2.0 * g1;
  tableau<3 * N - 2> out{};
  std::size_t k = 0;
  const double gammas[3] = {g1, g0, g1};
  for (int block = 0; block < 3; ++block) {
    for (std::size_t i = 0; i < N; ++i) {
      const stage s{base.stages[i].kind, base.stages[i].c * gammas[block]};
      if (block > 0 && i == 0)
        out.stages[k - 1].c += s.c; // merge with the last stage of the previous block
      else
        out.stages[k++] = s;
    }
  }
  out.order = base.order + 2;
  out.symmetric = true;
  return out;
}

/// True when the table is consistent: Σ kick c = Σ drift c = 1.
template <std::size_t N>
constexpr bool consistent(const tableau<N>& t) {
  const double a = t.total(stage_kind::kick) - 1.0, b = t.total(stage_kind::drift) - 1.0;
  return (a < 1e-14 && a > -1e-14) && (b < 1e-14 && b > -1e-14);
}

/// True when the stage sequence reads the same backwards (a sufficient condition for symmetry).
template <std::size_t N>
constexpr bool palindromic(const tableau<N>& t) {
  for (std::size_t i = 0; i < N / 2; ++i) {
    const auto& a = t.stages[i];
    const auto& b = t.stages[N - 1 - i];
    const double d = a.c - b.c;
    if (a.kind != b.kind || d > 1e-15 || d < -1e-15) return false;
  }
  return true;
}

/// Method tags: a name and a constexpr tableau each.
namespace methods {

struct symplectic_euler_kd {
  static constexpr const char* name = "symplectic_euler_kd";
  static constexpr tableau<2> table{{{{stage_kind::kick, 1.0}, {stage_kind::drift, 1.0}}}, 1, false};
};
struct symplectic_euler_dk {
  static constexpr const char* name = "symplectic_euler_dk";
  static constexpr tableau<2> table{{{{stage_kind::drift, 1.0}, {stage_kind::kick, 1.0}}}, 1, false};
};
struct leapfrog_kdk {
  static constexpr const char* name = "leapfrog";
  static constexpr tableau<3> table{
      {{{stage_kind::kick, 0.5}, {stage_kind::drift, 1.0}, {stage_kind::kick, 0.5}}}, 2, true};
};
struct leapfrog_dkd {
  static constexpr const char* name = "leapfrog_dkd";
  static constexpr tableau<3> table{
      {{{stage_kind::drift, 0.5}, {stage_kind::kick, 1.0}, {stage_kind::drift, 0.5}}}, 2, true};
};
struct yoshida4 {
  static constexpr const char* name = "yoshida4";
  static constexpr auto table = triple_jump(leapfrog_kdk::table);
};
struct yoshida6 {
  static constexpr const char* name = "yoshida6";
  static constexpr auto table = triple_jump(yoshida4::table);
};
struct yoshida8 {
  static constexpr const char* name = "yoshida8";
  static constexpr auto table = triple_jump(yoshida6::table);
};

namespace detail {
inline constexpr double ml_a1 = 0.40518861839525227722, ml_a2 = -0.28714404081652408900;
inline constexpr double ml_a3 = 0.5 - (ml_a1 + ml_a2);
inline constexpr double ml_b1 = -3.0 / 73.0, ml_b2 = 17.0 / 59.0;
inline constexpr double ml_b3 = 1.0 - 2.0 * (ml_b1 + ml_b2);
inline constexpr double bm_a1 = 0.0792036964311957, bm_a2 = 0.353172906049774, bm_a3 = -0.0420650803577195;
inline constexpr double bm_a4 = 1.0 - 2.0 * (bm_a1 + bm_a2 + bm_a3);
inline constexpr double bm_b1 = 0.209515106613362, bm_b2 = -0.143851773179818;
inline constexpr double bm_b3 = 0.5 - (bm_b1 + bm_b2);
} // namespace detail

/// McLachlan (1995) 4th order: D a1 K b1 D a2 K b2 D a3 K b3 D a3 K b2 D a2 K b1 D a1.
struct mclachlan4 {
  static constexpr const char* name = "mclachlan4";
  static constexpr tableau<11> table{{{{stage_kind::drift, detail::ml_a1},
                                       {stage_kind::kick, detail::ml_b1},
                                       {stage_kind::drift, detail::ml_a2},
                                       {stage_kind::kick, detail::ml_b2},
                                       {stage_kind::drift, detail::ml_a3},
                                       {stage_kind::kick, detail::ml_b3},
                                       {stage_kind::drift, detail::ml_a3},
                                       {stage_kind::kick, detail::ml_b2},
                                       {stage_kind::drift, detail::ml_a2},
                                       {stage_kind::kick, detail::ml_b1},
                                       {stage_kind::drift, detail::ml_a1}}},
                                     4,
                                     true};
};
/// Blanes & Moan (2002) S6, 4th order: D a1 K b1 D a2 K b2 D a3 K b3 D a4 K b3 D a3 K b2 D a2 K b1 D a1.
struct blanes_moan4 {
  static constexpr const char* name = "blanes_moan4";
  static constexpr tableau<13> table{{{{stage_kind::drift, detail::bm_a1},
                                       {stage_kind::kick, detail::bm_b1},
                                       {stage_kind::drift, detail::bm_a2},
                                       {stage_kind::kick, detail::bm_b2},
                                       {stage_kind::drift, detail::bm_a3},
                                       {stage_kind::kick, detail::bm_b3},
                                       {stage_kind::drift, detail::bm_a4},
                                       {stage_kind::kick, detail::bm_b3},
                                       {stage_kind::drift, detail::bm_a3},
                                       {stage_kind::kick, detail::bm_b2},
                                       {stage_kind::drift, detail::bm_a2},
                                       {stage_kind::kick, detail::bm_b1},
                                       {stage_kind::drift, detail::bm_a1}}},
                                     4,
                                     true};
};

} // namespace methods

} // namespace hamgen::integrate
