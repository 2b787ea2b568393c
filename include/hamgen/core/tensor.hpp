// hamgen/core/tensor.hpp
//
// Represents: hamgen::shape (runtime extents, rank <= 8) and hamgen::tensor<T, Device>: an owning,
//             contiguous, row-major N-d array (N, C, H, W order as in PyTorch). Storage comes from
//             device_allocator<Device> (core/allocator.hpp), so a CUDA tensor is the same class
//             with another tag. Rank is a runtime property (like torch::Tensor), which keeps the
//             autodiff tape and the ops facade free of rank templates.
// Requires:   T an arithmetic type; Device a hamgen::device tag.
// Ensures:    deep copy on copy, O(1) move; element access, Eigen views (as_matrix/as_vector:
//             Eigen::Map, zero-copy, RowMajor) on the cpu; shape_error messages that name the
//             operation and both shapes (check_same_shape). xtensor views: core/xtensor_interop.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hamgen/core/allocator.hpp>
#include <hamgen/core/device.hpp>
#include <hamgen/core/error.hpp>

namespace hamgen {

/// Runtime extents of a tensor, rank 0..8. Rank 0 is a scalar (one element).
class shape {
public:
  static constexpr std::size_t max_rank = 8;

  shape() = default;
  shape(std::initializer_list<std::size_t> dims) {
    HAMGEN_CHECK_SHAPE(dims.size() <= max_rank, "shape: rank ", dims.size(), " exceeds ", max_rank);
    for (auto d : dims) d_[n_++] = d;
  }
  template <class It>
  shape(It first, It last) {
    for (; first != last; ++first) {
      HAMGEN_CHECK_SHAPE(n_ < max_rank, "shape: rank exceeds ", max_rank);
      d_[n_++] = static_cast<std::size_t>(*first);
    }
  }

  std::size_t rank() const noexcept { return n_; }
  std::size_t operator[](std::size_t i) const noexcept { return d_[i]; }
  std::size_t& operator[](std::size_t i) noexcept { return d_[i]; }
  std::size_t numel() const noexcept {
    std::size_t s = 1;
    for (std::size_t i = 0; i < n_; ++i) s *= d_[i];
    return s;
  }
  const std::size_t* begin() const noexcept { return d_.data(); }
  const std::size_t* end() const noexcept { return d_.data() + n_; }
  void push_back(std::size_t d) {
    HAMGEN_CHECK_SHAPE(n_ < max_rank, "shape: rank exceeds ", max_rank);
    d_[n_++] = d;
  }
  friend bool operator==(const shape& a, const shape& b) noexcept {
    if (a.n_ != b.n_) return false;
    for (std::size_t i = 0; i < a.n_; ++i)
      if (a.d_[i] != b.d_[i]) return false;
    return true;
  }
  /// "[2, 3, 4]"
  std::string str() const {
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < n_; ++i) os << (i ? ", " : "") << d_[i];
    os << ']';
    return os.str();
  }
  friend std::ostream& operator<<(std::ostream& os, const shape& s) { return os << s.str(); }

private:
  std::array<std::size_t, max_rank> d_{};
  std::size_t n_ = 0;
};

/// Owning, contiguous, row-major N-d array on `Device`.
template <class T, device Device = cpu_t>
class tensor {
  static_assert(std::is_arithmetic_v<T>, "hamgen::tensor: element type must be arithmetic");

public:
  using value_type = T;
  using device_type = Device;
  using allocator = device_allocator<Device>;

  tensor() = default;
  /// Uninitialised tensor of the given shape.
  explicit tensor(const hamgen::shape& s)
      : shape_(s), size_(s.numel()), data_(allocator::template allocate<T>(size_)) {}
  /// Tensor of the given hamgen::shape filled with `value`.
  tensor(const hamgen::shape& s, T value) : tensor(s) { fill(value); }

  static tensor zeros(const hamgen::shape& s) { return tensor(s, T(0)); }
  static tensor ones(const hamgen::shape& s) { return tensor(s, T(1)); }
  /// A tensor of the given hamgen::shape holding a copy of `values` (row-major).
  static tensor from(const hamgen::shape& s, std::initializer_list<T> values) {
    HAMGEN_CHECK_SHAPE(values.size() == s.numel(), "tensor::from: hamgen::shape ", s, " needs ", s.numel(),
                       " values, got ", values.size());
    tensor t(s);
    std::copy(values.begin(), values.end(), t.data());
    return t;
  }
  template <class U>
  static tensor from(const hamgen::shape& s, const std::vector<U>& values) {
    HAMGEN_CHECK_SHAPE(values.size() == s.numel(), "tensor::from: hamgen::shape ", s, " needs ", s.numel(),
                       " values, got ", values.size());
    tensor t(s);
    for (std::size_t i = 0; i < values.size(); ++i) t.data_[i] = static_cast<T>(values[i]);
    return t;
  }

  tensor(const tensor& o)
      : shape_(o.shape_), size_(o.size_), data_(allocator::template allocate<T>(size_)) { // empty stays empty
    if (size_) std::memcpy(data_, o.data_, size_ * sizeof(T));
  }
  tensor(tensor&& o) noexcept
      : shape_(o.shape_), size_(std::exchange(o.size_, 0)), data_(std::exchange(o.data_, nullptr)) {
    o.shape_ = hamgen::shape{};
  }
  tensor& operator=(const tensor& o) {
    if (this != &o) {
      if (size_ != o.size_) {
        tensor tmp(o);
        swap(tmp);
      } else {
        shape_ = o.shape_;
        if (size_) std::memcpy(data_, o.data_, size_ * sizeof(T));
      }
    }
    return *this;
  }
  tensor& operator=(tensor&& o) noexcept {
    tensor tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~tensor() { allocator::deallocate(data_, size_); }
  void swap(tensor& o) noexcept {
    std::swap(shape_, o.shape_);
    std::swap(size_, o.size_);
    std::swap(data_, o.data_);
  }

  const hamgen::shape& shape() const noexcept { return shape_; }
  std::size_t rank() const noexcept { return shape_.rank(); }
  std::size_t dim(std::size_t i) const noexcept { return shape_[i]; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }

  /// Flat (row-major) element access.
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  /// Multi-index access; the number of indices must equal the rank.
  template <class... I>
  T& operator()(I... idx) noexcept {
    return data_[offset(idx...)];
  }
  template <class... I>
  const T& operator()(I... idx) const noexcept {
    return data_[offset(idx...)];
  }

  void fill(T v) noexcept { std::fill(data_, data_ + size_, v); }

  /// Same elements, new extents (numel must match); O(1), the buffer is kept.
  tensor reshaped(const hamgen::shape& s) && {
    HAMGEN_CHECK_SHAPE(s.numel() == size_, "tensor::reshape: cannot view ", shape_, " as ", s);
    tensor r(std::move(*this));
    r.shape_ = s;
    return r;
  }
  tensor reshaped(const hamgen::shape& s) const& { return tensor(*this).reshaped(s); }

  // --- Eigen views (zero copy) -----------------------------------------------------------------
  using matrix_type = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using vector_type = Eigen::Matrix<T, Eigen::Dynamic, 1>;

  /// Row-major rows x cols view of the buffer (rows*cols must equal size()).
  Eigen::Map<matrix_type> as_matrix(std::size_t rows, std::size_t cols) {
    static_assert(std::same_as<Device, cpu_t>, "tensor::as_matrix: Eigen views exist on the cpu only");
    HAMGEN_CHECK_SHAPE(rows * cols == size_, "tensor::as_matrix: ", rows, "x", cols, " does not fit ",
                       shape_);
    return {data_, Eigen::Index(rows), Eigen::Index(cols)};
  }
  Eigen::Map<const matrix_type> as_matrix(std::size_t rows, std::size_t cols) const {
    static_assert(std::same_as<Device, cpu_t>, "tensor::as_matrix: Eigen views exist on the cpu only");
    HAMGEN_CHECK_SHAPE(rows * cols == size_, "tensor::as_matrix: ", rows, "x", cols, " does not fit ",
                       shape_);
    return {data_, Eigen::Index(rows), Eigen::Index(cols)};
  }
  /// dim(0) x (the rest) view; a rank-1 tensor is one row.
  Eigen::Map<matrix_type> as_matrix() { return as_matrix(lead(), size_ / std::max<std::size_t>(lead(), 1)); }
  Eigen::Map<const matrix_type> as_matrix() const {
    return as_matrix(lead(), size_ / std::max<std::size_t>(lead(), 1));
  }
  Eigen::Map<vector_type> as_vector() { return {data_, Eigen::Index(size_)}; }
  Eigen::Map<const vector_type> as_vector() const { return {data_, Eigen::Index(size_)}; }
  auto as_array() { return as_vector().array(); }
  auto as_array() const { return as_vector().array(); }

private:
  std::size_t lead() const noexcept { return shape_.rank() >= 2 ? shape_[0] : 1; }
  template <class... I>
  std::size_t offset(I... idx) const noexcept {
    const std::size_t ix[] = {static_cast<std::size_t>(idx)...};
    std::size_t o = 0;
    for (std::size_t k = 0; k < sizeof...(I); ++k) o = o * shape_[k] + ix[k];
    return o;
  }

  hamgen::shape shape_{};
  std::size_t size_ = 0;
  T* data_ = nullptr;
};

/// Throws shape_error "<op>: <what_a> has shape [..], <what_b> has shape [..]" when a != b.
inline void check_same_shape(const char* op, const shape& a, const shape& b, const char* what_a = "lhs",
                             const char* what_b = "rhs") {
  HAMGEN_CHECK_SHAPE(a == b, op, ": ", what_a, " has shape ", a, ", ", what_b, " has shape ", b);
}

} // namespace hamgen
