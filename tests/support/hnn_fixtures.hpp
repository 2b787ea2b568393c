// tests/support/hnn_fixtures.hpp: helpers shared by the tests of hamgen/hnn.
#pragma once

#include <string>
#include <type_traits>

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

} // namespace hamgen_test
