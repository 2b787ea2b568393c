// hamgen/linalg/expm.hpp
//
// Represents: the matrix exponential exp(A) of a dense real square matrix (float or double, fixed or
//             dynamic size), of one matrix or of a batch of matrices in contiguous storage.
// Requires:   Eigen 3.4. A square and finite.
// Ensures:    expm_method::taylor (default): scaling and squaring with the optimized Taylor evaluation
//             schemes of Bader, Blanes and Casas (degrees 1, 2, 4, 8, 12, 18 with 0, 1, 2, 3, 4, 5
//             matrix products). Degree m and scaling s are chosen so that the backward error of
//             T_m(2^-s A)^(2^s) is below the unit roundoff of the scalar type, using the bound
//             sum_k |c_k| alpha^(k-1) <= u with alpha_p = max(||A^p||^(1/p), ||A^(p+1)||^(1/(p+1)))
//             (Al-Mohy and Higham 2009). expm_method::pade13: Higham's [m/m] Padé scaling and
//             squaring (m in {3,5,7,9,13}; scaling from ||A||_1 as in Higham 2005 and Eigen), for
//             comparison. The Taylor schemes are evaluated in identity-split form and the squarings
//             run on exp - I while that is the better-conditioned form (docs/matrix_exponential.md).
//             Dynamic-size calls reuse a per-thread workspace (8 n^2 scalars of the largest n seen).
//             2x2 inputs use the exact closed form (cosh/sinh or
//             cos/sin of the half-discriminant). Non-square input throws hamgen::shape_error,
//             NaN/Inf input hamgen::value_error, a result that overflows hamgen::value_error; every
//             message starts with the function's name.
// Sources:    P. Bader, S. Blanes, F. Casas, "Computing the matrix exponential with an optimized
//             Taylor polynomial approximation", Mathematics 7(12):1174, 2019 (schemes and their
//             coefficients, eqs. for m = 8, 12, 18). N. J. Higham, "The scaling and squaring method for
//             the matrix exponential revisited", SIAM J. Matrix Anal. Appl. 26(4), 2005.
//             A. H. Al-Mohy, N. J. Higham, "A new scaling and squaring algorithm for the matrix
//             exponential", SIAM J. Matrix Anal. Appl. 31(3), 2009. The thresholds theta_m below were
//             computed for this library from the backward-error series log(e^-x T_m(x)) in 60-digit
//             arithmetic (docs/matrix_exponential.md).
#pragma once

#include <hamgen/core/error.hpp>

#include <Eigen/Core>
#include <Eigen/LU>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace hamgen::linalg {

/// Scalars the exponential is implemented for.
template <class T>
concept expm_scalar = std::same_as<T, float> || std::same_as<T, double>;

/// Which approximation expm uses.
enum class expm_method {
  taylor, ///< Bader–Blanes–Casas optimized Taylor schemes (default, fewest products)
  pade    ///< Higham 2005 / Al-Mohy–Higham 2009 Padé [m/m], m <= 13 (comparison policy)
};

/// Options of expm / expm_batch.
struct expm_options {
  expm_method method = expm_method::taylor;
  bool check_input = true;     ///< throw value_error on NaN/Inf input (an O(n^2) scan)
  bool closed_form_2x2 = true; ///< use the exact 2x2 formula for 2x2 matrices
};

/// What expm did (degree m, squarings s, matrix products including squarings and, for Padé, the
/// solve counted as 4/3 of a product rounded up).
struct expm_info {
  int degree = 0;
  int squarings = 0;
  int products = 0;
  bool closed_form = false;
};

namespace detail {

// Backward-error thresholds theta_m for the Taylor polynomials T_m, m = 1, 2, 4, 8, 12, 18:
// the largest theta with sum_{k>m} |c_k| theta^(k-1) <= u where log(e^-x T_m(x)) = sum c_k x^k,
// u = 2^-53 (double) and 2^-24 (float).
template <class T>
struct taylor_thetas;
template <>
struct taylor_thetas<double> {
  static constexpr std::array<double, 6> value = {2.220446049250313e-16, 2.580956802971767e-8,
                                                  3.397168839976962e-4,  4.991228871115323e-2,
                                                  2.996158913811580e-1,  1.090863719290036};
};
template <>
struct taylor_thetas<float> {
  static constexpr std::array<double, 6> value = {1.192092800768788e-7, 5.978858893805233e-4,
                                                  5.116619363445086e-2, 5.800524627688768e-1,
                                                  1.461661507209034,    3.010066362817634};
};

// Higham (2005), Table 2.3 (double) and the single-precision values of the same analysis: thetas of the
// [m/m] Padé approximants, m = 3, 5, 7, 9, 13.
template <class T>
struct pade_thetas;
template <>
struct pade_thetas<double> {
  static constexpr std::array<int, 5> degree = {3, 5, 7, 9, 13};
  static constexpr std::array<double, 5> value = {1.495585217958292e-2, 2.539398330063230e-1,
                                                  9.504178996162932e-1, 2.097847961257068, 5.371920351148152};
  static constexpr int count = 5;
};
template <>
struct pade_thetas<float> {
  static constexpr std::array<int, 5> degree = {3, 5, 7, 9, 13};
  static constexpr std::array<double, 5> value = {4.258730016922831e-1, 1.880152677804762, 3.925724783138660,
                                                  0.0, 0.0};
  static constexpr int count = 3; // single precision stops at [7/7]
};

// Bader–Blanes–Casas coefficients (published numbers). m = 8 in closed form with sqrt(177).
struct bbc8 {
  static inline const double s177 = std::sqrt(177.0);
  static inline const double x3 = 2.0 / 3.0;
  static inline const double x1 = x3 * (1.0 + s177) / 88.0;
  static inline const double x2 = x3 * (1.0 + s177) / 352.0;
  static inline const double x4 = (-271.0 + 29.0 * s177) / (315.0 * x3);
  static inline const double x5 = 11.0 * (-1.0 + s177) / (1260.0 * x3);
  static inline const double x6 = 11.0 * (-9.0 + s177) / (5040.0 * x3);
  static inline const double x7 = (89.0 - s177) / (5040.0 * x3 * x3);
  static inline const double y2 = (857.0 - 58.0 * s177) / 630.0;
};
// m = 12: B_j = c[0][j] I + c[1][j] A + c[2][j] A^2 + c[3][j] A^3; A6 = B_3 + B_4^2,
// T12 = B_1 + (B_2 + A6) A6.
inline constexpr double bbc12[4][4] = {
    {-0.01860232051462055322, 4.60000000000000000000, 0.21169311829980944294, 0.0},
    {-0.00500702322573317730, 0.99287510353848683614, 0.15822438471572672537, -0.13181061013830184015},
    {-0.57342012296052226390, -0.13244556105279963884, 0.16563516943672741501, -0.02027855540589259079},
    {-0.13339969394389205970, 0.00172990000000000000, 0.01078627793157924250, -0.00675951846863086359}};
// m = 18: P = a1 A + a2 A^2 + a3 A^3; B_j = b[0][j] I + b[1][j] A + b[2][j] A^2 + b[3][j] A^3 +
// b[4][j] A^6; A9 = P B_4 + B_3; T18 = B_1 + (B_2 + A9) A9.
inline constexpr double bbc18_a[4] = {0.0, -0.10036558103014462001, -0.00802924648241156960,
                                      -0.00089213849804572995};
inline constexpr double bbc18_b[5][4] = {
    {0.0, -10.9676396052962062593, -0.09043168323908105619, 0.0},
    {0.39784974949964507614, 1.68015813878906197182, -0.06764045190713819075, 0.0},
    {1.36783778460411719922, 0.05717798464788655127, 0.06759613017704596460, -0.09233646193671185927},
    {0.49828962252538267755, -0.00698210122488052084, 0.02955525704293155274, -0.01693649390020817171},
    {-0.00063789819459472330, 0.00003349750170860705, -0.00001391802575160607, -0.00001400867981820361}};

template <class T>
inline T one_norm(const auto& a) {
  T best = T(0);
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    best = std::max(best, static_cast<T>(a.col(j).cwiseAbs().sum()));
  return best;
}

inline double root(double x, int p) { return x <= 0.0 ? 0.0 : std::pow(x, 1.0 / p); }

template <class Derived>
void check_square_finite(const char* fn, const Eigen::MatrixBase<Derived>& a, bool check_values) {
  HAMGEN_CHECK_SHAPE(a.rows() == a.cols(), fn, ": matrix is ", a.rows(), "x", a.cols(), ", not square");
  if (!check_values) return;
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i)
      if (!std::isfinite(static_cast<double>(a(i, j))))
        throw value_error(hamgen::detail::concat(fn, ": A(", i, ",", j, ") is not finite (", a(i, j), ")"));
}

// Exact exponential of a real 2x2 matrix [[a, b], [c, d]]:
// exp(A) = e^{tr/2} (ch(delta) I + sh(delta)/delta (A - tr/2 I)), delta^2 = ((a-d)/2)^2 + bc,
// with ch/sh = cos/sin of sqrt(-delta^2) when delta^2 < 0 (rotation), and the limits 1, 1 when
// delta = 0 (shear). Evaluated in double for float inputs.
template <class T>
inline void exp2x2(T a, T b, T c, T d, T* out /* e00, e01, e10, e11 */) {
  const double h = 0.5 * (double(a) + double(d));
  const double p = 0.5 * (double(a) - double(d));
  const double disc = p * p + double(b) * double(c);
  double ch, shc; // cosh(delta), sinh(delta)/delta (or cos / sin(w)/w)
  if (disc > 0) {
    const double del = std::sqrt(disc);
    ch = std::cosh(del);
    shc = del < 1e-4 ? 1.0 + disc / 6.0 * (1.0 + disc / 20.0) : std::sinh(del) / del;
  } else if (disc < 0) {
    const double w = std::sqrt(-disc);
    ch = std::cos(w);
    shc = w < 1e-4 ? 1.0 + disc / 6.0 * (1.0 + disc / 20.0) : std::sin(w) / w;
  } else {
    ch = 1.0;
    shc = 1.0;
  }
  const double e = std::exp(h);
  out[0] = static_cast<T>(e * (ch + shc * p));
  out[1] = static_cast<T>(e * shc * double(b));
  out[2] = static_cast<T>(e * shc * double(c));
  out[3] = static_cast<T>(e * (ch - shc * p));
}

// Scaling-and-squaring engine on matrices of type M (fixed or dynamic); its temporaries are reused
// across calls, which is what the batched form relies on.
template <class M>
struct expm_engine {
  using scalar = typename M::Scalar;
  M a2, a3, a6, t1, t2, t3;

  void resize(Eigen::Index n) {
    if constexpr (M::RowsAtCompileTime == Eigen::Dynamic) {
      for (M* m : {&a2, &a3, &a6, &t1, &t2, &t3}) m->resize(n, n);
    } else {
      (void)n;
    }
  }

  static void add_identity(M& x, scalar c) { x.diagonal().array() += c; }

  // E = T_m(A) - I for the BBC scheme ("identity-split" evaluation); a2 (and a3 for m >= 12, a6 for
  // m = 18) hold A^2 (A^3, A^6). Result in x (must not alias a).
  //
  // Every factor of the scheme's products has the form (alpha I + Y) with Y a combination of powers of A.
  // The products are expanded as (alpha I + Y)(beta I + Z) = alpha beta I + alpha Z + beta Y + Y Z, so only
  // the small parts Y, Z go through the O(n^3) product (its rounding error is proportional to ||Y|| ||Z||
  // instead of ||alpha I + Y|| ||beta I + Z||), and the identity coefficient of the result, which the
  // schemes reproduce as 1 only up to the rounding of their coefficients (e.g. -0.0186 + 4.81 * 0.2117 for
  // m = 12), is taken as exactly 1 and left out: x holds T_m(A) - I. Same products as the plain scheme,
  // a few O(n^2) updates more; on random Hamiltonian matrices this cuts the polynomial's rounding error to
  // the level of rounding the exact result (docs/matrix_exponential.md).
  void taylor_poly_minus_identity(const M& a, int m, M& x) {
    const auto S = [](double v) { return static_cast<scalar>(v); };
    switch (m) {
    case 1:
      x = a;
      return;
    case 2:
      x = a + S(0.5) * a2;
      return;
    case 4:
      // T4 - I = A + A2/2 + A2 (A/6 + A2/24)
      t1 = S(1.0 / 6.0) * a + S(1.0 / 24.0) * a2;
      x = a + S(0.5) * a2;
      x.noalias() += a2 * t1;
      return;
    case 8: {
      using c = bbc8;
      t1 = S(c::x1) * a + S(c::x2) * a2;
      t2.noalias() = a2 * t1;                            // A4
      t1 = S(c::x3) * a2 + t2;                           // Y = x3 A2 + A4
      t3 = S(c::x5) * a + S(c::x6) * a2 + S(c::x7) * t2; // Z: the factor is x4 I + Z
      x = S(c::x4) * t1 + a + S(c::y2) * a2;             // A8 = x4 Y + Y Z
      x.noalias() += t1 * t3;
      return;
    }
    case 12: {
      // B_j = c0j I + B'_j; c03 = 0. A6 = c02 I + A6', A6' = B'_3 + B'_4^2; B_2 + A6 = g I + G with
      // g = c01 + c02, G = B'_2 + A6'. T12 = B_1 + (B_2 + A6) A6, whose identity coefficient
      // c00 + g c02 is 1 (to 1e-19 in the published digits).
      const auto& c = bbc12;
      // B'_j as a lazy expression (fused into the assignments below: one pass per update)
      auto b = [&](int j) { return S(c[1][j]) * a + S(c[2][j]) * a2 + S(c[3][j]) * a3; };
      t1 = b(3);
      t2.noalias() = t1 * t1; // B'_4^2
      a6 = b(2) + t2;         // A6'
      t1 = b(1) + a6;         // G
      // T12 - I = B'_1 + g A6' + c02 G + G A6' (the product accumulates into x: no zeroing pass)
      x = b(0) + S(c[0][1] + c[0][2]) * a6 + S(c[0][2]) * t1;
      x.noalias() += t1 * a6;
      return;
    }
    default: { // 18; a6 holds A^6
      // P = a1 A + a2 A2 + a3 A3 (no identity part); B_j = b0j I + B'_j with b03 = b00 = 0.
      // A9 = b02 I + A9', A9' = P B'_4 + B'_3; B_2 + A9 = g I + G, g = b01 + b02, G = B'_2 + A9';
      // T18 = B_1 + (B_2 + A9) A9 with identity coefficient g b02 = 1 (to 1e-19).
      const auto& cb = bbc18_b;
      auto b = [&](int j) {
        return S(cb[1][j]) * a + S(cb[2][j]) * a2 + S(cb[3][j]) * a3 + S(cb[4][j]) * a6;
      };
      t1 = S(bbc18_a[1]) * a + S(bbc18_a[2]) * a2 + S(bbc18_a[3]) * a3; // P
      t2 = b(3);
      t3 = b(2);
      t3.noalias() += t1 * t2; // A9' = B'_3 + P B'_4
      t1 = b(1) + t3;          // G
      // T18 - I = B'_1 + g A9' + b02 G + G A9'
      x = b(0) + S(cb[0][1] + cb[0][2]) * t3 + S(cb[0][2]) * t1;
      x.noalias() += t1 * t3;
      return;
    }
    }
  }

  // ||A^p||_1 for p = 4, 5 given A, a2 = A^2, a3 = A^3: exact for n <= 4, otherwise a lower estimate by
  // Hager's (Higham's) 1-norm power method (at most 3 sweeps; it usually stops after 2), which uses only
  // matrix-vector products.
  double power_norm(const M& a, int p) {
    const Eigen::Index n = a.rows();
    if (n <= 4) {
      t1.noalias() = a2 * (p == 4 ? a2 : a3);
      return one_norm<double>(t1);
    }
    using V = Eigen::Matrix<scalar, M::RowsAtCompileTime, 1>;
    const M& first = p == 4 ? a2 : a3; // A^p = a2 * first
    V x = V::Constant(n, scalar(1) / static_cast<scalar>(n)), y(n), z(n), w(n);
    double est = 0;
    Eigen::Index last = -1;
    for (int it = 0; it < 3; ++it) {
      w.noalias() = first * x;
      y.noalias() = a2 * w;
      const double e = static_cast<double>(y.cwiseAbs().sum());
      if (it > 0 && e <= est) break;
      est = e;
      for (Eigen::Index i = 0; i < n; ++i) y(i) = y(i) >= 0 ? scalar(1) : scalar(-1);
      w.noalias() = a2.transpose() * y;
      z.noalias() = first.transpose() * w;
      Eigen::Index j = 0;
      const scalar zmax = z.cwiseAbs().maxCoeff(&j);
      if (it > 0 && (j == last || zmax <= z.dot(x))) break;
      last = j;
      x.setZero();
      x(j) = 1;
    }
    return est;
  }

  static int products_of(int m) {
    return m == 1 ? 0 : m == 2 ? 1 : m == 4 ? 2 : m == 8 ? 3 : m == 12 ? 4 : 5;
  }

  // Chooses (m, s), leaves A^2, A^3 (A^6) of the *scaled* matrix in a2, a3 (a6) and scales `a` in place.
  // Returns {m, s}.
  std::array<int, 2> taylor_select(M& a) {
    const auto& th = taylor_thetas<scalar>::value;
    const double n1 = one_norm<double>(a);
    if (n1 <= th[0]) return {1, 0};
    a2.noalias() = a * a;
    const double n2 = one_norm<double>(a2);
    // alpha_2 = max(d2, d3) <= (||A^2|| ||A||)^(1/3) (valid for every m >= 2)
    const double al2 = std::min(n1, root(n2 * n1, 3));
    if (al2 <= th[1]) return {2, 0};
    if (al2 <= th[2]) return {4, 0};
    if (al2 <= th[3]) return {8, 0};
    a3.noalias() = a * a2;
    const double n3 = one_norm<double>(a3);
    const double d2 = root(n2, 2), d3 = root(n3, 3);
    double alpha = std::min({n1, std::max(d2, d3)}); // alpha_2 (m + 1 >= 2)
    if (alpha > th[4]) {
      // alpha_4 = max(d4, d5) is valid for m + 1 >= 12 (m = 12, 18) and usually much smaller:
      // ||A^4||_1 and ||A^5||_1 exactly for small n, else by Hager's 1-norm estimator.
      const double n4 = power_norm(a, 4), n5 = power_norm(a, 5);
      alpha = std::min(alpha, std::max(root(n4, 4), root(n5, 5)));
    }
    if (alpha <= th[4]) return {12, 0};
    if (alpha <= th[4]) return {12, 0};
    int s = 0;
    if (alpha > th[5]) s = std::max(0, static_cast<int>(std::ceil(std::log2(alpha / th[5]))));
    if (s > 0) {
      const scalar f = std::ldexp(scalar(1), -s);
      a *= f;
      a2 *= f * f;
      a3 *= f * f * f;
    }
    a6.noalias() = a3 * a3;
    return {18, s};
  }

  void square(M& x, int s) {
    for (int k = 0; k < s; ++k) {
      t1.noalias() = x * x;
      x.swap(t1);
    }
  }

  // Squaring in the "E = X - I" form: (I + E)^2 = I + (2E + E^2), so the small part E is carried through
  // the squarings and the identity is added once at the end (the rounding of I + E is not repeated s
  // times). Same one product per squaring. The form loses when X = I + E is smaller than E (a contracting
  // exponential, eigenvalues of X near 0: E then holds -I + X with an absolute error of u), so before
  // every squaring minus_identity_form_ok checks ||I + E||_1 >= ||E||_1 (the ratio 1 was the best of
  // 0.25, 0.5, 1, 2 on shifted random matrices A - cI and kept the full gain on Hamiltonian ones), and
  // once it fails the remaining squarings run on X itself.
  static bool minus_identity_form_ok(const M& e) {
    double ne = 0, nx = 0; // ||E||_1, ||I + E||_1
    for (Eigen::Index j = 0; j < e.cols(); ++j) {
      double ce = 0, cx = 0;
      for (Eigen::Index i = 0; i < e.rows(); ++i) {
        const double v = static_cast<double>(e(i, j));
        ce += std::abs(v);
        cx += std::abs(i == j ? v + 1.0 : v);
      }
      ne = std::max(ne, ce);
      nx = std::max(nx, cx);
    }
    return nx >= minus_identity_ratio * ne;
  }
  static constexpr double minus_identity_ratio = 1.0;

  // e holds T - I on entry and exp on exit; returns the number of squarings done in the E form.
  int square_minus_identity(M& e, int s) {
    int k = 0;
    for (; k < s && minus_identity_form_ok(e); ++k) {
      t1 = scalar(2) * e;
      t1.noalias() += e * e;
      e.swap(t1);
    }
    add_identity(e, 1);
    square(e, s - k);
    return k;
  }

  // exp of `a` (overwritten: scaled copy) into x.
  expm_info run_taylor(M& a, M& x) {
    const auto [m, s] = taylor_select(a);
    taylor_poly_minus_identity(a, m, x);
    square_minus_identity(x, s);
    return {m, s, products_of(m) + s, false}; // the scheme's count includes A^2, A^3, A^6
  }

  expm_info run_pade(M& a, M& x) {
    using P = pade_thetas<scalar>;
    const double n1 = one_norm<double>(a);
    auto coeffs = [](int m) {
      std::array<scalar, 14> b{};
      long double c = 1.0L;
      for (int j = 0; j <= m; ++j) {
        b[static_cast<std::size_t>(j)] = static_cast<scalar>(c);
        // c_{j+1} = c_j (m - j) / ((2m - j)(j + 1))
        c = c * static_cast<long double>(m - j) / (static_cast<long double>(2 * m - j) * (j + 1));
      }
      return b;
    };
    int m = 0, s = 0;
    a2.noalias() = a * a;
    for (int i = 0; i + 1 < P::count; ++i) {
      if (n1 <= P::value[static_cast<std::size_t>(i)]) {
        m = P::degree[static_cast<std::size_t>(i)];
        break;
      }
    }
    if (m == 0) {
      const int last = P::count - 1;
      m = P::degree[static_cast<std::size_t>(last)];
      const double th = P::value[static_cast<std::size_t>(last)];
      // Higham (2005): s from ||A||_1. (The alpha_p refinement of Al-Mohy and Higham (2009) is used only
      // on the Taylor path: without their ell(A) correction it lets ||2^-s A|| grow until the Padé
      // denominator V - U loses accuracy.)
      if (n1 > th) s = std::max(0, static_cast<int>(std::ceil(std::log2(n1 / th))));
      if (s > 0) {
        const scalar f = std::ldexp(scalar(1), -s);
        a *= f;
        a2 *= f * f;
      }
    }
    if (m == 13) {
      a3.noalias() = a2 * a2; // A^4
      a6.noalias() = a3 * a2; // A^6
    }
    const auto b = coeffs(m);
    // U = A * sum b_{2k+1} A^{2k}, V = sum b_{2k} A^{2k}
    if (m == 13) {
      t1 = b[13] * a6 + b[11] * a3 + b[9] * a2;
      t2.noalias() = a6 * t1;
      t2 += b[7] * a6 + b[5] * a3 + b[3] * a2;
      add_identity(t2, b[1]);
      t3.noalias() = a * t2; // U
      t1 = b[12] * a6 + b[10] * a3 + b[8] * a2;
      t2.noalias() = a6 * t1;
      t2 += b[6] * a6 + b[4] * a3 + b[2] * a2;
      add_identity(t2, b[0]); // V
    } else {
      // powers A^2, A^4, A^6, A^8 as needed: t1 accumulates odd part, t2 even part
      M pw = a2;
      t1 = b[3] * a2;
      add_identity(t1, b[1]);
      t2 = b[2] * a2;
      add_identity(t2, b[0]);
      for (int k = 2; 2 * k <= m; ++k) {
        M next = pw * a2;
        pw.swap(next);
        t2 += b[static_cast<std::size_t>(2 * k)] * pw;
        if (2 * k + 1 <= m) t1 += b[static_cast<std::size_t>(2 * k + 1)] * pw;
      }
      t3.noalias() = a * t1; // U
    }
    // (V - U) X = (V + U)
    t1 = t2 - t3;
    t2 += t3;
    x = t1.partialPivLu().solve(t2);
    square(x, s);
    const int prods = (m == 3 ? 2 : m == 5 ? 3 : m == 7 ? 4 : m == 9 ? 5 : 6);
    return {m, s, prods + 2 + s, false};
  }
};

template <class M>
expm_info expm_into(expm_engine<M>& eng, M& a, M& x, const expm_options& opt) {
  using scalar = typename M::Scalar;
  if (opt.closed_form_2x2 && a.rows() == 2) {
    std::array<scalar, 4> e{};
    exp2x2<scalar>(a(0, 0), a(0, 1), a(1, 0), a(1, 1), e.data());
    if constexpr (M::RowsAtCompileTime == Eigen::Dynamic) x.resize(2, 2);
    x(0, 0) = e[0];
    x(0, 1) = e[1];
    x(1, 0) = e[2];
    x(1, 1) = e[3];
    return {0, 0, 0, true};
  }
  eng.resize(a.rows());
  if constexpr (M::RowsAtCompileTime == Eigen::Dynamic) x.resize(a.rows(), a.cols());
  if (a.rows() == 0) return {};
  return opt.method == expm_method::taylor ? eng.run_taylor(a, x) : eng.run_pade(a, x);
}

// Per-thread workspace for dynamic sizes: the engine's six temporaries plus the scaled copy and the
// result. Reused across calls so that a single large exponential does not pay for fresh allocations
// (for n = 144 in double each temporary is 166 KB, above glibc's mmap threshold, and first-touch page
// faults cost more than the products: 1.17 ms vs 0.47 ms per 144x144 exponential measured). Holds
// 8 n^2 scalars of the largest n used on the thread.
template <class M>
struct expm_workspace {
  expm_engine<M> eng;
  M a, x;
};
template <class M>
expm_workspace<M>& thread_workspace() {
  static thread_local expm_workspace<M> ws;
  return ws;
}

template <class M>
void check_result(const char* fn, const M& x) {
  if (!x.allFinite())
    throw value_error(hamgen::detail::concat(fn, ": the exponential overflows the ",
                                             sizeof(typename M::Scalar) == 4 ? "float" : "double",
                                             " range (the result is not representable)"));
}

} // namespace detail

/// exp(A) of a square float/double matrix, evaluated (same fixed/dynamic size as A).
/// `info`, when given, receives the degree, squarings and product count used.
template <class Derived>
requires expm_scalar<typename Derived::Scalar>
[[nodiscard]] typename Derived::PlainObject expm(const Eigen::MatrixBase<Derived>& a,
                                                 const expm_options& opt = {}, expm_info* info = nullptr) {
  using M = typename Derived::PlainObject;
  detail::check_square_finite("expm", a, opt.check_input);
  if constexpr (M::RowsAtCompileTime == Eigen::Dynamic) {
    auto& ws = detail::thread_workspace<M>();
    ws.a = a;
    const expm_info got = detail::expm_into(ws.eng, ws.a, ws.x, opt);
    detail::check_result("expm", ws.x);
    if (info) *info = got;
    return ws.x;
  } else {
    M work = a;
    M x(a.rows(), a.cols());
    detail::expm_engine<M> eng;
    const expm_info got = detail::expm_into(eng, work, x, opt);
    detail::check_result("expm", x);
    if (info) *info = got;
    return x;
  }
}

/// exp(t A).
template <class Derived>
requires expm_scalar<typename Derived::Scalar>
[[nodiscard]] typename Derived::PlainObject expm(const Eigen::MatrixBase<Derived>& a,
                                                 typename Derived::Scalar t, const expm_options& opt = {}) {
  HAMGEN_CHECK(std::isfinite(static_cast<double>(t)), "expm: t is not finite (", t, ")");
  typename Derived::PlainObject ta = t * a;
  return expm(ta, opt);
}

/// The exact exponential of a 2x2 matrix (closed form, any real 2x2).
template <class Derived>
requires expm_scalar<typename Derived::Scalar>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, 2, 2> expm_2x2(const Eigen::MatrixBase<Derived>& a) {
  HAMGEN_CHECK_SHAPE(a.rows() == 2 && a.cols() == 2, "expm_2x2: matrix is ", a.rows(), "x", a.cols(),
                     ", not 2x2");
  detail::check_square_finite("expm_2x2", a, true);
  using T = typename Derived::Scalar;
  std::array<T, 4> e{};
  detail::exp2x2<T>(a(0, 0), a(0, 1), a(1, 0), a(1, 1), e.data());
  Eigen::Matrix<T, 2, 2> x;
  x << e[0], e[1], e[2], e[3];
  detail::check_result("expm_2x2", x);
  return x;
}

namespace detail {

template <class T, int N>
void expm_batch_fixed(const T* in, T* out, std::size_t count, const expm_options& opt) {
  using M = Eigen::Matrix<T, N, N>;
  expm_engine<M> eng;
  M a, x;
  for (std::size_t k = 0; k < count; ++k) {
    a = Eigen::Map<const M>(in + k * N * N);
    expm_into(eng, a, x, opt);
    Eigen::Map<M>(out + k * N * N) = x;
  }
}

} // namespace detail

/// Exponentials of `count` n×n matrices stored contiguously (matrix k at in + k n²; row- or
/// column-major alike, since exp(Aᵀ) = exp(A)ᵀ; a (batch, K, n, n) array is count = batch·K).
/// `out` may equal `in`. Throws like expm, naming the matrix index.
template <expm_scalar T>
void expm_batch(const T* in, T* out, std::size_t count, Eigen::Index n, const expm_options& opt = {}) {
  HAMGEN_CHECK_SHAPE(n >= 0, "expm_batch: negative size n = ", n);
  if (count == 0 || n == 0) return;
  HAMGEN_CHECK_SHAPE(in != nullptr && out != nullptr, "expm_batch: null data pointer for ", count,
                     " matrices of size ", n);
  const std::size_t nn = static_cast<std::size_t>(n * n);
  if (opt.check_input)
    for (std::size_t i = 0; i < count * nn; ++i)
      if (!std::isfinite(static_cast<double>(in[i])))
        throw value_error(hamgen::detail::concat("expm_batch: matrix ", i / nn, " element ", i % nn,
                                                 " is not finite (", in[i], ")"));
  if (n == 2 && opt.closed_form_2x2) {
    // column-major reading of each block: (a, c, b, d)
    for (std::size_t k = 0; k < count; ++k) {
      const T* p = in + 4 * k;
      T e[4];
      detail::exp2x2<T>(p[0], p[2], p[1], p[3], e);
      T* q = out + 4 * k;
      q[0] = e[0];
      q[1] = e[2];
      q[2] = e[1];
      q[3] = e[3];
    }
  } else if (n == 4 && opt.method == expm_method::taylor) {
    detail::expm_batch_fixed<T, 4>(in, out, count, opt);
  } else if (n == 12 && opt.method == expm_method::taylor) {
    detail::expm_batch_fixed<T, 12>(in, out, count, opt);
  } else {
    using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
    auto& ws = detail::thread_workspace<M>();
    for (std::size_t k = 0; k < count; ++k) {
      ws.a = Eigen::Map<const M>(in + k * nn, n, n);
      detail::expm_into(ws.eng, ws.a, ws.x, opt);
      Eigen::Map<M>(out + k * nn, n, n) = ws.x;
    }
  }
  for (std::size_t i = 0; i < count * nn; ++i)
    if (!std::isfinite(static_cast<double>(out[i])))
      throw value_error(hamgen::detail::concat("expm_batch: the exponential of matrix ", i / nn,
                                               " overflows (the result is not representable)"));
}

/// Exponentials of a vector of matrices.
template <class M>
requires expm_scalar<typename M::Scalar>
[[nodiscard]] std::vector<M> expm_batch(const std::vector<M>& as, const expm_options& opt = {}) {
  std::vector<M> out;
  out.reserve(as.size());
  detail::expm_engine<M> eng;
  for (std::size_t k = 0; k < as.size(); ++k) {
    detail::check_square_finite("expm_batch", as[k], opt.check_input);
    M a = as[k], x(a.rows(), a.cols());
    detail::expm_into(eng, a, x, opt);
    detail::check_result("expm_batch", x);
    out.push_back(std::move(x));
  }
  return out;
}

} // namespace hamgen::linalg
