// Compile-fail check (tests/integrate/extra.cmake): a system without potential_grad given to a
// splitting stepper must be rejected with a diagnostic that names the missing expression.
#include <hamgen/integrate/integrate.hpp>
#include <hamgen/integrate/splitting.hpp>

struct no_potential_grad {
  template <class S>
  double energy(const S& q, const S& p) const {
    return q.dot(p);
  }
  template <class S>
  S dh_dq(const S&, const S& p) const {
    return p;
  }
  template <class S>
  S dh_dp(const S& q, const S&) const {
    return q;
  }
  template <class S>
  S kinetic_grad(const S& p) const {
    return p;
  }
};

int main() {
  Eigen::Vector2d q(1, 0), p(0, 1);
  hamgen::integrate::integrate_n_steps(hamgen::integrate::leapfrog{}, no_potential_grad{}, q, p, 0.0, 0.1, 3);
}
