// hamgen/core/error.hpp
//
// Represents: the exceptions hamgen throws and the HAMGEN_CHECK family that raises them.
// Requires:   nothing beyond the standard library.
// Ensures:    every message starts with the component that failed ("leapfrog::step: ...") and
//             names the offending values; the exception type says what kind of problem it was:
//               shape_error       sizes that do not fit together           (std::invalid_argument)
//               value_error       NaN/Inf or out-of-range numbers, options (std::invalid_argument)
//               convergence_error an iteration that did not converge       (std::runtime_error)
//               io_error          a missing, truncated or corrupt file     (std::runtime_error)
//             hamgen::error is a common base so callers can catch everything hamgen raises.
// Style:      Stan Math's check_* and libtorch's TORCH_CHECK; messages built with ostringstream
//             (libstdc++ 12 has no <format>).
#pragma once

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace hamgen {

/// Base of everything hamgen throws. what() is the full message.
class error {
public:
  virtual ~error() = default;
  virtual const char* message() const noexcept = 0;
};

#define HAMGEN_DEFINE_ERROR(name, base)                                                                      \
  class name : public base, public error {                                                                   \
  public:                                                                                                    \
    explicit name(const std::string& what) : base(what) {}                                                   \
    const char* message() const noexcept override { return this->what(); }                                   \
  }

HAMGEN_DEFINE_ERROR(shape_error, std::invalid_argument);
HAMGEN_DEFINE_ERROR(value_error, std::invalid_argument);
HAMGEN_DEFINE_ERROR(convergence_error, std::runtime_error);
HAMGEN_DEFINE_ERROR(io_error, std::runtime_error);

#undef HAMGEN_DEFINE_ERROR

namespace detail {

template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream os;
  os.precision(17);
  (os << ... << parts);
  return os.str();
}

} // namespace detail

/// Throws E with the concatenation of parts when cond is false.
template <class E = value_error, class... Parts>
inline void check(bool cond, const Parts&... parts) {
  if (!cond) throw E(detail::concat(parts...));
}

/// Throws value_error naming `component` and `what` when x is NaN or infinite.
template <class T>
inline void check_finite(const char* component, const char* what, const T& x) {
  if (!std::isfinite(static_cast<double>(x)))
    throw value_error(detail::concat(component, ": ", what, " is not finite (", x, ")"));
}

/// Throws value_error naming the first non-finite element of a range [first, last).
template <class It>
inline void check_all_finite(const char* component, const char* what, It first, It last) {
  std::size_t i = 0;
  for (; first != last; ++first, ++i)
    if (!std::isfinite(static_cast<double>(*first)))
      throw value_error(detail::concat(component, ": ", what, "[", i, "] is not finite (", *first, ")"));
}

} // namespace hamgen

/// HAMGEN_CHECK(cond, parts...) throws hamgen::value_error(parts...) when cond is false.
#define HAMGEN_CHECK(cond, ...) ::hamgen::check<::hamgen::value_error>(static_cast<bool>(cond), __VA_ARGS__)
/// HAMGEN_CHECK_SHAPE(cond, parts...) throws hamgen::shape_error(parts...) when cond is false.
#define HAMGEN_CHECK_SHAPE(cond, ...)                                                                        \
  ::hamgen::check<::hamgen::shape_error>(static_cast<bool>(cond), __VA_ARGS__)
