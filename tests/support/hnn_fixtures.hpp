// tests/support/hnn_fixtures.hpp: helpers shared by the tests of hamgen/hnn.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <vector>

#include <hamgen/core/tensor.hpp>

namespace hamgen_test {

/// Parameters whose gradient was dropped (zero_grad) or never written read as zeros.
template <class M>
void densify(M& m) {
  m.visit_parameters(
      [](const std::string&, auto& p) {
        if (p.grad.shape() != p.value.shape())
          p.grad = std::decay_t<decltype(p.grad)>::zeros(p.value.shape());
      },
      "");
}

/// Every parameter's gradient, densified, in traversal order.
template <class M>
std::vector<hamgen::tensor<typename M::value_type>> gradients(M& m) {
  densify(m);
  std::vector<hamgen::tensor<typename M::value_type>> out;
  m.visit_parameters([&](const std::string&, auto& p) { out.push_back(p.grad); }, "");
  return out;
}

/// REQUIREs that m's gradients (densified) equal ref (gradients() order, one tensor per parameter)
/// entry by entry: Approx with this margin and, when epsilon >= 0, this relative epsilon (else
/// Approx's default); failures name the parameter.
template <class M, class Ref>
void require_gradients(M& m, const Ref& ref, double margin, double epsilon = -1) {
  densify(m);
  std::size_t k = 0;
  m.visit_parameters(
      [&](const std::string& name, auto& p) {
        INFO(name);
        REQUIRE(k < ref.size());
        REQUIRE(p.grad.size() == ref[k].size());
        for (std::size_t i = 0; i < p.grad.size(); ++i) {
          Approx expected = Approx(ref[k][i]).margin(margin);
          if (epsilon >= 0) expected.epsilon(epsilon);
          REQUIRE(p.grad[i] == expected);
        }
        ++k;
      },
      "");
  REQUIRE(k == ref.size());
}

} // namespace hamgen_test
