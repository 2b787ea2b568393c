// hamgen/linalg/hamiltonian_matrix.hpp
//
// Represents: linear Hamiltonian operators on phase space s = (q, p) ∈ R^{2d}: the symplectic form
//             J = [[0, I], [-I, 0]], Hamiltonian matrices H = J M (M symmetric, 2d² + d free
//             parameters), the "skew-H" variant H = [[0, A], [-A, 0]] = J diag(A, A) with A symmetric
//             (d(d+1)/2 parameters; exp(tH) is orthogonal and symplectic), block-diagonal operators
//             over K actions (HALO: each H_k acts only on its own subspace S_k), their flows exp(tH)
//             applied to batches of states forward and backward in time, and the quadratic energy
//             E = ½ sᵀ M s split as in HALO's appendix (eq. 11) into potential ½ qᵀAq, kinetic ½ pᵀCp
//             and non-separable qᵀBp parts for M = [[A, B], [Bᵀ, C]]. 2×2 Hamiltonian matrices
//             (one degree of freedom) are classified as rotation (det H > 0), shear (det H = 0) or
//             hyperbolic (det H < 0) and exponentiated in closed form.
// Requires:   float or double; even dimensions 2d; states stored as columns (2d × batch).
// Ensures:    results are evaluated Eigen objects; bad sizes throw hamgen::shape_error and NaN/Inf
//             hamgen::value_error, each message naming the function and the sizes/values.
// Sources:    HALO (paper 003 in /work/shared/papers: eqs. 5, 10, 11, definition 1); K. R. Meyer,
//             G. R. Hall, D. Offin, "Introduction to Hamiltonian Dynamical Systems and the N-Body
//             Problem", Springer 2009, ch. 3 (Hamiltonian matrices, symplectic group).
#pragma once

#include <hamgen/core/error.hpp>
#include <hamgen/linalg/expm.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <vector>

namespace hamgen::linalg {

template <class T>
using dyn_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using dyn_vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// J = [[0, I_d], [-I_d, 0]].
template <expm_scalar T = double>
[[nodiscard]] dyn_matrix<T> symplectic_j(Eigen::Index d) {
  HAMGEN_CHECK_SHAPE(d >= 0, "symplectic_j: negative d = ", d);
  dyn_matrix<T> j = dyn_matrix<T>::Zero(2 * d, 2 * d);
  j.topRightCorner(d, d).setIdentity();
  j.bottomLeftCorner(d, d) = -dyn_matrix<T>::Identity(d, d);
  return j;
}

namespace detail {
inline Eigen::Index half_dim(const char* fn, Eigen::Index rows, Eigen::Index cols) {
  HAMGEN_CHECK_SHAPE(rows == cols, fn, ": matrix is ", rows, "x", cols, ", not square");
  HAMGEN_CHECK_SHAPE(rows % 2 == 0, fn, ": matrix is ", rows, "x", cols, ", not of even size 2d");
  return rows / 2;
}
// J X without forming J: rows (q; p) of X become (p; -q).
template <class Derived>
dyn_matrix<typename Derived::Scalar> apply_j(const Eigen::MatrixBase<Derived>& x) {
  const Eigen::Index d = x.rows() / 2;
  dyn_matrix<typename Derived::Scalar> r(x.rows(), x.cols());
  r.topRows(d) = x.bottomRows(d);
  r.bottomRows(d) = -x.topRows(d);
  return r;
}
template <class Derived>
void check_all_finite_matrix(const char* fn, const char* what, const Eigen::MatrixBase<Derived>& x) {
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      if (!std::isfinite(static_cast<double>(x(i, j))))
        throw value_error(
            hamgen::detail::concat(fn, ": ", what, "(", i, ",", j, ") is not finite (", x(i, j), ")"));
}
} // namespace detail

/// H = J sym(W), sym(W) = (W + Wᵀ)/2, for any 2d×2d W.
template <class Derived>
requires expm_scalar<typename Derived::Scalar>
[[nodiscard]] dyn_matrix<typename Derived::Scalar> hamiltonian_from_w(const Eigen::MatrixBase<Derived>& w) {
  detail::half_dim("hamiltonian_from_w", w.rows(), w.cols());
  detail::check_all_finite_matrix("hamiltonian_from_w", "W", w);
  const dyn_matrix<typename Derived::Scalar> m = (w + w.transpose()) / 2;
  return detail::apply_j(m);
}

/// Reverse mode of hamiltonian_from_w: given dF/dH, returns dF/dW = sym(Jᵀ dF/dH).
template <class Derived>
requires expm_scalar<typename Derived::Scalar>
[[nodiscard]] dyn_matrix<typename Derived::Scalar>
hamiltonian_from_w_backward(const Eigen::MatrixBase<Derived>& grad_h) {
  detail::half_dim("hamiltonian_from_w_backward", grad_h.rows(), grad_h.cols());
  const dyn_matrix<typename Derived::Scalar> jt = -detail::apply_j(grad_h); // Jᵀ = -J
  return (jt + jt.transpose()) / 2;
}

/// M = -J H (the symmetric matrix of H = J M).
template <class Derived>
requires expm_scalar<typename Derived::Scalar>
[[nodiscard]] dyn_matrix<typename Derived::Scalar> energy_matrix(const Eigen::MatrixBase<Derived>& h) {
  detail::half_dim("energy_matrix", h.rows(), h.cols());
  return -detail::apply_j(h);
}

/// Number of free parameters of a 2d×2d Hamiltonian matrix: 2d² + d.
constexpr Eigen::Index hamiltonian_parameter_count(Eigen::Index d) { return 2 * d * d + d; }
/// Number of free parameters of the skew variant: d(d+1)/2.
constexpr Eigen::Index skew_hamiltonian_parameter_count(Eigen::Index d) { return d * (d + 1) / 2; }

/// H = J M from the packed upper triangle of M (row by row, 2d² + d numbers).
template <expm_scalar T>
[[nodiscard]] dyn_matrix<T> hamiltonian_from_parameters(const dyn_vector<T>& theta, Eigen::Index d) {
  HAMGEN_CHECK_SHAPE(d >= 0 && theta.size() == hamiltonian_parameter_count(d),
                     "hamiltonian_from_parameters: ", theta.size(), " parameters given, d = ", d, " needs ",
                     hamiltonian_parameter_count(d));
  detail::check_all_finite_matrix("hamiltonian_from_parameters", "theta", theta);
  const Eigen::Index n = 2 * d;
  dyn_matrix<T> m(n, n);
  Eigen::Index k = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i; j < n; ++j) m(i, j) = m(j, i) = theta(k++);
  return detail::apply_j(m);
}

/// Skew variant H = [[0, A], [-A, 0]] with A = sym(a) (a is d×d).
template <class Derived>
requires expm_scalar<typename Derived::Scalar>
[[nodiscard]] dyn_matrix<typename Derived::Scalar> skew_hamiltonian(const Eigen::MatrixBase<Derived>& a) {
  using T = typename Derived::Scalar;
  HAMGEN_CHECK_SHAPE(a.rows() == a.cols(), "skew_hamiltonian: A is ", a.rows(), "x", a.cols(),
                     ", not square");
  detail::check_all_finite_matrix("skew_hamiltonian", "A", a);
  const Eigen::Index d = a.rows();
  dyn_matrix<T> h = dyn_matrix<T>::Zero(2 * d, 2 * d);
  const dyn_matrix<T> s = (a + a.transpose()) / 2;
  h.topRightCorner(d, d) = s;
  h.bottomLeftCorner(d, d) = -s;
  return h;
}

/// ‖Hᵀ J + J H‖_F / ‖J‖_F (zero for a Hamiltonian matrix: J H symmetric).
template <class Derived>
[[nodiscard]] double hamiltonian_defect(const Eigen::MatrixBase<Derived>& h) {
  const Eigen::Index d = detail::half_dim("hamiltonian_defect", h.rows(), h.cols());
  if (d == 0) return 0.0;
  using T = typename Derived::Scalar;
  const dyn_matrix<T> jh = detail::apply_j(h);
  const dyn_matrix<T> r = jh - jh.transpose(); // J H + Hᵀ J, since (J H)ᵀ = -Hᵀ J
  return static_cast<double>(r.norm()) / std::sqrt(2.0 * static_cast<double>(d));
}

/// ‖Eᵀ J E − J‖_F / ‖J‖_F (zero for a symplectic matrix).
template <class Derived>
[[nodiscard]] double symplecticity_defect(const Eigen::MatrixBase<Derived>& e) {
  const Eigen::Index d = detail::half_dim("symplecticity_defect", e.rows(), e.cols());
  if (d == 0) return 0.0;
  using T = typename Derived::Scalar;
  const dyn_matrix<T> je = detail::apply_j(e);
  const dyn_matrix<T> r = e.transpose() * je - symplectic_j<T>(d);
  return static_cast<double>(r.norm()) / std::sqrt(2.0 * static_cast<double>(d));
}

/// ‖Eᵀ E − I‖_F / ‖I‖_F.
template <class Derived>
[[nodiscard]] double orthogonality_defect(const Eigen::MatrixBase<Derived>& e) {
  HAMGEN_CHECK_SHAPE(e.rows() == e.cols(), "orthogonality_defect: matrix is ", e.rows(), "x", e.cols(),
                     ", not square");
  if (e.rows() == 0) return 0.0;
  using T = typename Derived::Scalar;
  const dyn_matrix<T> r = e.transpose() * e - dyn_matrix<T>::Identity(e.rows(), e.cols());
  return static_cast<double>(r.norm()) / std::sqrt(static_cast<double>(e.rows()));
}

/// Kind of a 2×2 Hamiltonian matrix H = [[a, b], [c, -a]] (eigenvalues ±sqrt(-det H)).
enum class hamiltonian_2x2_kind { rotation, shear, hyperbolic };

/// Classifies a 2×2 Hamiltonian matrix by the sign of det H = -(a² + bc), with a relative tolerance.
template <class Derived>
[[nodiscard]] hamiltonian_2x2_kind classify_2x2(const Eigen::MatrixBase<Derived>& h, double rel_tol = 0.0) {
  HAMGEN_CHECK_SHAPE(h.rows() == 2 && h.cols() == 2, "classify_2x2: matrix is ", h.rows(), "x", h.cols(),
                     ", not 2x2");
  const double a = 0.5 * (double(h(0, 0)) - double(h(1, 1))), b = double(h(0, 1)), c = double(h(1, 0));
  const double disc = a * a + b * c;
  const double scale = a * a + std::abs(b * c);
  if (std::abs(disc) <= rel_tol * scale) return hamiltonian_2x2_kind::shear;
  return disc < 0 ? hamiltonian_2x2_kind::rotation : hamiltonian_2x2_kind::hyperbolic;
}

/// exp(tH) of a 2×2 Hamiltonian matrix in closed form: cos/sin (rotation), I + tH (shear) or
/// cosh/sinh (hyperbolic).
template <class Derived>
requires expm_scalar<typename Derived::Scalar>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, 2, 2>
expm_hamiltonian_2x2(const Eigen::MatrixBase<Derived>& h, typename Derived::Scalar t = 1) {
  HAMGEN_CHECK(std::isfinite(static_cast<double>(t)), "expm_hamiltonian_2x2: t is not finite (", t, ")");
  const Eigen::Matrix<typename Derived::Scalar, 2, 2> th = t * h;
  return expm_2x2(th);
}

/// Energy of a state s = (q, p) under E = ½ sᵀ M s, M = [[A, B], [Bᵀ, C]] (HALO appendix, eq. 11).
struct energy_parts {
  double potential = 0;    ///< ½ qᵀ A q
  double kinetic = 0;      ///< ½ pᵀ C p
  double nonseparable = 0; ///< ½ qᵀ B p + ½ pᵀ Bᵀ q = qᵀ B p
  double total() const { return potential + kinetic + nonseparable; }
};

/// Energy split of each column of `states` (2d × batch) under symmetric M (2d × 2d).
template <class DM, class DS>
[[nodiscard]] std::vector<energy_parts> energy(const Eigen::MatrixBase<DM>& m,
                                               const Eigen::MatrixBase<DS>& states) {
  const Eigen::Index d = detail::half_dim("energy", m.rows(), m.cols());
  HAMGEN_CHECK_SHAPE(states.rows() == 2 * d, "energy: states have ", states.rows(), " rows, M is ", m.rows(),
                     "x", m.cols());
  std::vector<energy_parts> out(static_cast<std::size_t>(states.cols()));
  for (Eigen::Index k = 0; k < states.cols(); ++k) {
    const auto q = states.col(k).head(d);
    const auto p = states.col(k).tail(d);
    energy_parts& e = out[static_cast<std::size_t>(k)];
    e.potential = 0.5 * static_cast<double>(q.dot(m.topLeftCorner(d, d) * q));
    e.kinetic = 0.5 * static_cast<double>(p.dot(m.bottomRightCorner(d, d) * p));
    e.nonseparable = 0.5 * static_cast<double>(q.dot(m.topRightCorner(d, d) * p)) +
                     0.5 * static_cast<double>(p.dot(m.bottomLeftCorner(d, d) * q));
  }
  return out;
}

/// A block-diagonal Hamiltonian operator H = diag(H_1, ..., H_K) over K actions; block k (2d_k × 2d_k)
/// acts only on its own rows offset_k .. offset_k + 2d_k of the state.
template <expm_scalar T>
class block_hamiltonian {
public:
  using matrix = dyn_matrix<T>;

  block_hamiltonian() = default;
  /// Blocks must be square of even size and finite. They are stored as given (not symmetrised).
  explicit block_hamiltonian(std::vector<matrix> blocks) : blocks_(std::move(blocks)) {
    offsets_.reserve(blocks_.size() + 1);
    for (std::size_t k = 0; k < blocks_.size(); ++k) {
      const matrix& b = blocks_[k];
      HAMGEN_CHECK_SHAPE(b.rows() == b.cols() && b.rows() % 2 == 0, "block_hamiltonian: block ", k, " is ",
                         b.rows(), "x", b.cols(), ", not square of even size 2d");
      detail::check_all_finite_matrix("block_hamiltonian", "H_k", b);
      offsets_.push_back(offsets_.back() + b.rows());
    }
  }

  /// K blocks J sym(W_k).
  static block_hamiltonian from_w(const std::vector<matrix>& ws) {
    std::vector<matrix> hs;
    hs.reserve(ws.size());
    for (const matrix& w : ws) hs.push_back(hamiltonian_from_w(w));
    return block_hamiltonian(std::move(hs));
  }

  std::size_t actions() const { return blocks_.size(); }
  Eigen::Index dim() const { return offsets_.empty() ? 0 : offsets_.back(); }
  Eigen::Index offset(std::size_t k) const { return offsets_.at(k); }
  const matrix& block(std::size_t k) const { return blocks_.at(k); }

  /// The dense 2D × 2D matrix (for checks).
  matrix dense() const {
    matrix h = matrix::Zero(dim(), dim());
    for (std::size_t k = 0; k < blocks_.size(); ++k)
      h.block(offsets_[k], offsets_[k], blocks_[k].rows(), blocks_[k].cols()) = blocks_[k];
    return h;
  }

  /// exp(t H_k) for every block (negative t runs backward in time).
  std::vector<matrix> flows(T t, const expm_options& opt = {}) const {
    HAMGEN_CHECK(std::isfinite(static_cast<double>(t)), "block_hamiltonian::flows: t is not finite (", t,
                 ")");
    std::vector<matrix> out;
    out.reserve(blocks_.size());
    for (const matrix& b : blocks_) out.push_back(expm(b, t, opt));
    return out;
  }

  /// exp(tH) applied to every column of `states` (dim × batch): each block moves its own subspace.
  template <class DS>
  matrix apply(T t, const Eigen::MatrixBase<DS>& states, const expm_options& opt = {}) const {
    check_states("block_hamiltonian::apply", states);
    const std::vector<matrix> f = flows(t, opt);
    matrix out(states.rows(), states.cols());
    for (std::size_t k = 0; k < blocks_.size(); ++k) {
      const Eigen::Index o = offsets_[k], n = blocks_[k].rows();
      out.middleRows(o, n).noalias() = f[k] * states.middleRows(o, n);
    }
    return out;
  }

  /// HALO eq. (5): action k moves its subspace by exp(t H_k), every other subspace is set to zero.
  template <class DS>
  matrix apply_action(std::size_t k, T t, const Eigen::MatrixBase<DS>& states,
                      const expm_options& opt = {}) const {
    check_states("block_hamiltonian::apply_action", states);
    HAMGEN_CHECK_SHAPE(k < blocks_.size(), "block_hamiltonian::apply_action: action ", k, " of ",
                       blocks_.size());
    HAMGEN_CHECK(std::isfinite(static_cast<double>(t)), "block_hamiltonian::apply_action: t is not finite (",
                 t, ")");
    matrix out = matrix::Zero(states.rows(), states.cols());
    const Eigen::Index o = offsets_[k], n = blocks_[k].rows();
    out.middleRows(o, n).noalias() = expm(blocks_[k], t, opt) * states.middleRows(o, n);
    return out;
  }

  /// Trajectory s_0, s_1 = exp(dt H) s_0, ..., s_steps (dt < 0 runs backward); returns steps + 1
  /// matrices of the shape of s0 (dim × batch). exp(dt H) is computed once.
  template <class DS>
  std::vector<matrix> rollout(const Eigen::MatrixBase<DS>& s0, T dt, int steps,
                              const expm_options& opt = {}) const {
    check_states("block_hamiltonian::rollout", s0);
    HAMGEN_CHECK(steps >= 0, "block_hamiltonian::rollout: steps = ", steps, " is negative");
    const std::vector<matrix> f = flows(dt, opt);
    std::vector<matrix> out;
    out.reserve(static_cast<std::size_t>(steps) + 1);
    out.emplace_back(s0);
    for (int i = 0; i < steps; ++i) {
      matrix next(s0.rows(), s0.cols());
      for (std::size_t k = 0; k < blocks_.size(); ++k) {
        const Eigen::Index o = offsets_[k], n = blocks_[k].rows();
        next.middleRows(o, n).noalias() = f[k] * out.back().middleRows(o, n);
      }
      out.push_back(std::move(next));
    }
    return out;
  }

  /// Energy split of every state, summed over the blocks (M_k = -J H_k).
  template <class DS>
  std::vector<energy_parts> energies(const Eigen::MatrixBase<DS>& states) const {
    check_states("block_hamiltonian::energies", states);
    std::vector<energy_parts> total(static_cast<std::size_t>(states.cols()));
    for (std::size_t k = 0; k < blocks_.size(); ++k) {
      const Eigen::Index o = offsets_[k], n = blocks_[k].rows();
      const matrix s = states.middleRows(o, n);
      const auto e = energy(energy_matrix(blocks_[k]), s);
      for (std::size_t i = 0; i < e.size(); ++i) {
        total[i].potential += e[i].potential;
        total[i].kinetic += e[i].kinetic;
        total[i].nonseparable += e[i].nonseparable;
      }
    }
    return total;
  }

private:
  template <class DS>
  void check_states(const char* fn, const Eigen::MatrixBase<DS>& s) const {
    HAMGEN_CHECK_SHAPE(s.rows() == dim(), fn, ": states have ", s.rows(), " rows, the operator acts on ",
                       dim(), " (", blocks_.size(), " blocks)");
    detail::check_all_finite_matrix(fn, "states", s);
  }

  std::vector<matrix> blocks_;
  std::vector<Eigen::Index> offsets_{0};
};

} // namespace hamgen::linalg
