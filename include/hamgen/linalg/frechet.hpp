// hamgen/linalg/frechet.hpp
//
// Represents: the Fréchet derivative of the matrix exponential, L(A, E) = d/dh exp(A + hE) at h = 0,
//             and its adjoint: for f(A) = <G, exp(A)> (Frobenius inner product) the gradient is
//             df/dA = L(Aᵀ, G). These are the forward- and reverse-mode rules of expm.
// Requires:   A, E (or G) square of equal size, finite, float or double.
// Ensures:    frechet_method::recurrence (default): the exact derivative of the approximant that expm
//             evaluates, r(A) = T_m(2^-s A)^(2^s): the Bader–Blanes–Casas scheme is run on the pair
//             (X, dX) (each product XY contributes dX Y + X dY), in the same identity-split form as
//             expm (E = X - I), and every squaring E <- 2E + E^2 on (E, 2dE + dE E + E dE) (Al-Mohy and
//             Higham 2009, sec. 6; Higham, "Functions of Matrices", 2008, ch. 10), about three times the cost
//             of expm. frechet_method::block: the top-right block of exp([[A, E], [0, A]]) (Mathias 1996;
//             Higham 2008, eq. 10.43) with E scaled to the norm of A, as an independent check. The
//             exponential is returned alongside, since the recurrence computes it anyway. Errors as in expm
//             (shape_error / value_error naming the function).
// Sources:    A. H. Al-Mohy, N. J. Higham, "Computing the Fréchet derivative of the matrix exponential,
//             with an application to condition number estimation", SIAM J. Matrix Anal. Appl. 30(4),
//             2009. N. J. Higham, "Functions of Matrices: Theory and Computation", SIAM 2008.
#pragma once

#include <hamgen/linalg/expm.hpp>

namespace hamgen::linalg {

enum class frechet_method { recurrence, block };

struct frechet_options {
  frechet_method method = frechet_method::recurrence;
  bool check_input = true;
};

/// exp(A) and a directional derivative L(A, E) (or, for the adjoint, L(Aᵀ, G)).
template <class M>
struct expm_with_derivative {
  M exp;
  M derivative;
};

namespace detail {

template <class M>
struct dual_engine {
  using scalar = typename M::Scalar;
  expm_engine<M> e; // holds A^2, A^3, A^6 of the scaled matrix
  M da2, da3, da6, u1, u2, du1, du2, p, dp;

  static void add_identity(M& x, scalar c) { x.diagonal().array() += c; }

  // (Z, dZ) = (X, dX) * (Y, dY)
  static void prod(const M& x, const M& dx, const M& y, const M& dy, M& z, M& dz) {
    z.noalias() = x * y;
    dz.noalias() = dx * y;
    dz.noalias() += x * dy;
  }

  void run(M& a, M& da, M& x, M& dx) {
    const auto S = [](double v) { return static_cast<scalar>(v); };
    const Eigen::Index n = a.rows();
    if constexpr (M::RowsAtCompileTime == Eigen::Dynamic) {
      for (M* m : {&da2, &da3, &da6, &u1, &u2, &du1, &du2, &p, &dp}) m->resize(n, n);
    }
    e.resize(n);
    const auto [m, s] = e.taylor_select(a);
    if (s > 0) da *= std::ldexp(scalar(1), -s);
    if (m >= 2) {
      da2.noalias() = da * a;
      da2.noalias() += a * da;
    }
    if (m >= 12) {
      da3.noalias() = da * e.a2;
      da3.noalias() += a * da2;
    }
    if (m == 18) {
      da6.noalias() = da3 * e.a3;
      da6.noalias() += e.a3 * da3;
    }
    const M& a2 = e.a2;
    const M& a3 = e.a3;
    const M& a6 = e.a6;
    // Same identity-split evaluation as expm_engine::taylor_poly_minus_identity: (x, dx) receive
    // (T_m(A) - I, its derivative); the squarings run in the E = X - I form.
    switch (m) {
    case 1:
      x = a;
      dx = da;
      break;
    case 2:
      x = a + S(0.5) * a2;
      dx = da + S(0.5) * da2;
      break;
    case 4:
      u1 = S(1.0 / 6.0) * a + S(1.0 / 24.0) * a2;
      du1 = S(1.0 / 6.0) * da + S(1.0 / 24.0) * da2;
      prod(a2, da2, u1, du1, u2, du2);
      x = a + S(0.5) * a2 + u2;
      dx = da + S(0.5) * da2 + du2;
      break;
    case 8: {
      using c = bbc8;
      u1 = S(c::x1) * a + S(c::x2) * a2;
      du1 = S(c::x1) * da + S(c::x2) * da2;
      M a4, da4;
      prod(a2, da2, u1, du1, a4, da4);
      u1 = S(c::x3) * a2 + a4; // Y
      du1 = S(c::x3) * da2 + da4;
      u2 = S(c::x5) * a + S(c::x6) * a2 + S(c::x7) * a4; // Z (factor x4 I + Z)
      du2 = S(c::x5) * da + S(c::x6) * da2 + S(c::x7) * da4;
      prod(u1, du1, u2, du2, p, dp); // Y Z
      x = p + S(c::x4) * u1 + a + S(c::y2) * a2;
      dx = dp + S(c::x4) * du1 + da + S(c::y2) * da2;
      break;
    }
    case 12: {
      const auto& c = bbc12;
      auto b = [&](int j, M& out, M& dout) {
        out = S(c[1][j]) * a + S(c[2][j]) * a2 + S(c[3][j]) * a3;
        dout = S(c[1][j]) * da + S(c[2][j]) * da2 + S(c[3][j]) * da3;
      };
      b(3, u1, du1);
      prod(u1, du1, u1, du1, u2, du2); // B'_4^2
      b(2, u1, du1);
      M a6l = u1 + u2, da6l = du1 + du2; // A6'
      b(1, u1, du1);
      u1 += a6l; // G
      du1 += da6l;
      prod(u1, du1, a6l, da6l, p, dp); // G A6'
      const scalar g = S(c[0][1] + c[0][2]);
      x = p + S(c[0][2]) * u1 + g * a6l;
      dx = dp + S(c[0][2]) * du1 + g * da6l;
      b(0, u1, du1);
      x += u1;
      dx += du1;
      break;
    }
    default: {
      const auto& cb = bbc18_b;
      auto b = [&](int j, M& out, M& dout) {
        out = S(cb[1][j]) * a + S(cb[2][j]) * a2 + S(cb[3][j]) * a3 + S(cb[4][j]) * a6;
        dout = S(cb[1][j]) * da + S(cb[2][j]) * da2 + S(cb[3][j]) * da3 + S(cb[4][j]) * da6;
      };
      u1 = S(bbc18_a[1]) * a + S(bbc18_a[2]) * a2 + S(bbc18_a[3]) * a3;
      du1 = S(bbc18_a[1]) * da + S(bbc18_a[2]) * da2 + S(bbc18_a[3]) * da3;
      b(3, u2, du2);
      prod(u1, du1, u2, du2, p, dp); // P B'_4
      b(2, u1, du1);
      p += u1; // A9'
      dp += du1;
      b(1, u1, du1);
      u1 += p; // G
      du1 += dp;
      prod(u1, du1, p, dp, u2, du2); // G A9'
      const scalar g = S(cb[0][1] + cb[0][2]);
      x = u2 + S(cb[0][2]) * u1 + g * p;
      dx = du2 + S(cb[0][2]) * du1 + g * dp;
      b(0, u1, du1);
      x += u1;
      dx += du1;
      break;
    }
    }
    // (I + E)^2 = I + (2E + E^2); d(2E + E^2) = 2 dE + dE E + E dE, while expm's rule keeps the E form;
    // then X = I + E and plain squarings (X, dX) -> (X^2, dX X + X dX), exactly as expm does.
    int k = 0;
    for (; k < s && expm_engine<M>::minus_identity_form_ok(x); ++k) {
      prod(x, dx, x, dx, u1, du1);
      u1 += scalar(2) * x;
      du1 += scalar(2) * dx;
      x.swap(u1);
      dx.swap(du1);
    }
    add_identity(x, 1);
    for (; k < s; ++k) {
      prod(x, dx, x, dx, u1, du1);
      x.swap(u1);
      dx.swap(du1);
    }
  }
};

template <class M>
expm_with_derivative<M> frechet_dispatch(const char* fn, M a, M e, const frechet_options& opt) {
  using scalar = typename M::Scalar;
  check_square_finite(fn, a, opt.check_input);
  check_square_finite(fn, e, opt.check_input);
  HAMGEN_CHECK_SHAPE(a.rows() == e.rows(), fn, ": A is ", a.rows(), "x", a.cols(), " but the direction is ",
                     e.rows(), "x", e.cols());
  const Eigen::Index n = a.rows();
  expm_with_derivative<M> r;
  if (n == 0) return {a, e};
  if (opt.method == frechet_method::recurrence) {
    dual_engine<M> eng;
    r.exp.resize(n, n);
    r.derivative.resize(n, n);
    eng.run(a, e, r.exp, r.derivative);
  } else {
    using D = Eigen::Matrix<scalar, Eigen::Dynamic, Eigen::Dynamic>;
    const double na = one_norm<double>(a), ne = one_norm<double>(e);
    // L is linear in E: scale E to the norm of A (or 1) so the block matrix is not dominated by it.
    const double c = ne == 0.0 ? 1.0 : std::max(na, 1.0) / ne;
    D big = D::Zero(2 * n, 2 * n);
    big.topLeftCorner(n, n) = a;
    big.bottomRightCorner(n, n) = a;
    big.topRightCorner(n, n) = static_cast<scalar>(c) * e;
    const D eb = expm(big, expm_options{.check_input = false});
    r.exp = eb.topLeftCorner(n, n);
    r.derivative = eb.topRightCorner(n, n) / static_cast<scalar>(c);
  }
  check_result(fn, r.exp);
  check_result(fn, r.derivative);
  return r;
}

} // namespace detail

/// exp(A) and the Fréchet derivative L(A, E).
template <class DA, class DE>
requires expm_scalar<typename DA::Scalar> && std::same_as<typename DA::Scalar, typename DE::Scalar>
[[nodiscard]] expm_with_derivative<typename DA::PlainObject> expm_frechet(const Eigen::MatrixBase<DA>& a,
                                                                          const Eigen::MatrixBase<DE>& e,
                                                                          const frechet_options& opt = {}) {
  using M = typename DA::PlainObject;
  return detail::frechet_dispatch<M>("expm_frechet", M(a), M(e), opt);
}

/// exp(A) and the adjoint L(Aᵀ, G) = gradient of <G, exp(A)> with respect to A.
template <class DA, class DG>
requires expm_scalar<typename DA::Scalar> && std::same_as<typename DA::Scalar, typename DG::Scalar>
[[nodiscard]] expm_with_derivative<typename DA::PlainObject>
expm_frechet_adjoint(const Eigen::MatrixBase<DA>& a, const Eigen::MatrixBase<DG>& g,
                     const frechet_options& opt = {}) {
  using M = typename DA::PlainObject;
  HAMGEN_CHECK_SHAPE(a.rows() == a.cols(), "expm_frechet_adjoint: matrix is ", a.rows(), "x", a.cols(),
                     ", not square");
  auto r = detail::frechet_dispatch<M>("expm_frechet_adjoint", M(a.transpose()), M(g), opt);
  r.exp.transposeInPlace(); // exp(Aᵀ)ᵀ = exp(A)
  return r;
}

/// Batched adjoint for contiguous storage: for k < count, grad_k = L(A_kᵀ, G_k) (n×n each, matrix k at
/// offset k n²). Layout-agnostic (row- or column-major alike). `exp_out`, when not null, receives exp(A_k).
template <expm_scalar T>
void expm_frechet_adjoint_batch(const T* a, const T* g, T* grad, std::size_t count, Eigen::Index n,
                                T* exp_out = nullptr, const frechet_options& opt = {}) {
  using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  HAMGEN_CHECK_SHAPE(n >= 0, "expm_frechet_adjoint_batch: negative size n = ", n);
  const std::size_t nn = static_cast<std::size_t>(n * n);
  for (std::size_t k = 0; k < count; ++k) {
    auto r = expm_frechet_adjoint(Eigen::Map<const M>(a + k * nn, n, n),
                                  Eigen::Map<const M>(g + k * nn, n, n), opt);
    Eigen::Map<M>(grad + k * nn, n, n) = r.derivative;
    if (exp_out) Eigen::Map<M>(exp_out + k * nn, n, n) = r.exp;
  }
}

} // namespace hamgen::linalg
