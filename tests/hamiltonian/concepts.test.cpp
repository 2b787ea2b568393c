#include <hamgen/hamiltonian/concepts.hpp>

#include <catch2/catch.hpp>

namespace ham = hamgen::ham;
using v2 = Eigen::Vector2d;

namespace {
// A hand-written separable system through the CRTP base.
struct spring : ham::separable_base<spring> {
  template <ham::state_vector S>
  ham::scalar_of<S> energy(const S& q, const S& p) const {
    return 0.5 * (q.squaredNorm() + p.squaredNorm());
  }
  template <ham::state_vector S>
  S potential_grad(const S& q) const {
    return q;
  }
  template <ham::state_vector S>
  S kinetic_grad(const S& p) const {
    return p;
  }
};
// Missing potential_grad: a hamiltonian, but not separable.
struct general {
  double energy(const v2& q, const v2& p) const { return q.dot(p); }
  v2 dh_dq(const v2&, const v2& p) const { return p; }
  v2 dh_dp(const v2& q, const v2&) const { return q; }
};
// Missing dh_dp: not a hamiltonian at all.
struct incomplete {
  double energy(const v2& q, const v2&) const { return q.sum(); }
  v2 dh_dq(const v2&, const v2& p) const { return p; }
};
} // namespace

TEST_CASE("state_vector accepts plain Eigen column vectors only", "[hamiltonian][concepts]") {
  STATIC_REQUIRE(ham::state_vector<Eigen::Vector3d>);
  STATIC_REQUIRE(ham::state_vector<Eigen::VectorXf>);
  STATIC_REQUIRE_FALSE(ham::state_vector<Eigen::RowVector3d>);
  STATIC_REQUIRE_FALSE(ham::state_vector<Eigen::Matrix2d>);
  STATIC_REQUIRE_FALSE(ham::state_vector<double>);
}

TEST_CASE("the concepts tell general, separable and incomplete systems apart", "[hamiltonian][concepts]") {
  STATIC_REQUIRE(ham::separable_hamiltonian<spring, v2>);
  STATIC_REQUIRE(ham::separable_hamiltonian<spring, Eigen::VectorXf>);
  STATIC_REQUIRE(ham::hamiltonian<general, v2>);
  STATIC_REQUIRE_FALSE(ham::separable_hamiltonian<general, v2>);
  STATIC_REQUIRE_FALSE(ham::hamiltonian<incomplete, v2>);
  const spring s;
  const v2 q(1, 2), p(3, 4);
  CHECK(s.dh_dq(q, p) == q);
  CHECK(s.dh_dp(q, p) == p);
}

TEST_CASE("ham::separable builds a separable system from lambdas", "[hamiltonian][concepts]") {
  ham::separable h{
      .kinetic_grad = [](const auto& p) { return (2.0 * p).eval(); },
      .potential_grad = [](const auto& q) { return (3.0 * q).eval(); },
      .energy = [](const auto& q, const auto& p) { return 1.5 * q.squaredNorm() + p.squaredNorm(); }};
  STATIC_REQUIRE(ham::separable_hamiltonian<decltype(h), v2>);
  const v2 q(1, -1), p(0.5, 2);
  CHECK(h.dh_dq(q, p) == v2(3, -3));
  CHECK(h.dh_dp(q, p) == v2(1, 4));
  CHECK(h.energy(q, p) == Approx(3 + 4.25));
  v2 out;
  ham::detail::potential_grad_into(h, q, out);
  CHECK(out == v2(3, -3));
}
