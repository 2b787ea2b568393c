// tests/linalg/reference.hpp: independent references and random inputs for the linalg tests.
//
// expm_reference: exp(A) in long double by a plain Taylor series on A/2^s with ||A/2^s||_1 <= 1/8
// (terms until they drop below 1e-25 relative), then s squarings, all in long double (64-bit mantissa).
#pragma once

#include <Eigen/Core>

#include <cmath>
#include <random>

namespace hamgen_test {

using ld_matrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using dmatrix = Eigen::MatrixXd;

template <class Derived>
ld_matrix expm_reference(const Eigen::MatrixBase<Derived>& a_in) {
  ld_matrix a = a_in.template cast<long double>();
  const Eigen::Index n = a.rows();
  long double n1 = 0;
  for (Eigen::Index j = 0; j < n; ++j) n1 = std::max(n1, a.col(j).cwiseAbs().sum());
  int s = 0;
  while (n1 > 0.125L) {
    n1 /= 2;
    ++s;
  }
  a *= std::ldexp(1.0L, -s);
  ld_matrix x = ld_matrix::Identity(n, n), term = ld_matrix::Identity(n, n), tmp;
  for (int k = 1; k < 60; ++k) {
    tmp.noalias() = term * a;
    term = tmp / static_cast<long double>(k);
    x += term;
    if (term.cwiseAbs().maxCoeff() < 1e-25L * x.cwiseAbs().maxCoeff()) break;
  }
  for (int k = 0; k < s; ++k) {
    tmp.noalias() = x * x;
    x.swap(tmp);
  }
  return x;
}

/// ||X - R||_F / ||R||_F with R in long double.
template <class Derived>
double rel_error(const Eigen::MatrixBase<Derived>& x, const ld_matrix& r) {
  return static_cast<double>((x.template cast<long double>() - r).norm() / r.norm());
}

inline dmatrix j_matrix(Eigen::Index d) {
  dmatrix j = dmatrix::Zero(2 * d, 2 * d);
  j.topRightCorner(d, d).setIdentity();
  j.bottomLeftCorner(d, d) = -dmatrix::Identity(d, d);
  return j;
}

inline double norm1(const dmatrix& a) { return a.cwiseAbs().colwise().sum().maxCoeff(); }

/// Random Hamiltonian matrix J sym(W), W ~ N(0,1), scaled to ||H||_1 = norm (the peer's recipe).
inline dmatrix random_hamiltonian(Eigen::Index d, double norm, std::mt19937_64& rng) {
  std::normal_distribution<double> nd;
  dmatrix w(2 * d, 2 * d);
  for (Eigen::Index j = 0; j < w.cols(); ++j)
    for (Eigen::Index i = 0; i < w.rows(); ++i) w(i, j) = nd(rng);
  const dmatrix m = (w + w.transpose()) / 2;
  dmatrix h = j_matrix(d) * m;
  return h * (norm / norm1(h));
}

inline dmatrix random_matrix(Eigen::Index n, double norm, std::mt19937_64& rng) {
  std::normal_distribution<double> nd;
  dmatrix w(n, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) w(i, j) = nd(rng);
  return w * (norm / norm1(w));
}

} // namespace hamgen_test
