#include <catch2/catch.hpp>

#include <hamgen/core/tensor.hpp>

using namespace hamgen;

TEST_CASE("tensor: construction, access, copy/move, Eigen views, shape errors", "[core]") {
  auto t = tensor<float>::from({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(t.rank() == 2);
  CHECK(t.size() == 6);
  CHECK(t(1, 2) == 6.f);
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  auto m = t.as_matrix();
  CHECK(m(1, 0) == 4.f);
  m(0, 1) = 20.f; // zero-copy view
  CHECK(t(0, 1) == 20.f);
  tensor<float> c = t;
  c(0, 0) = -1;
  CHECK(t(0, 0) == 1.f);
  tensor<float> mv = std::move(c);
  CHECK(mv(0, 0) == -1.f);
  CHECK(c.empty());
  auto r = std::move(mv).reshaped({3, 2});
  CHECK(r.shape() == shape{3, 2});
  CHECK(r(2, 1) == 6.f);
  CHECK(shape{2, 3}.str() == "[2, 3]");
  CHECK(shape{}.numel() == 1);
  CHECK_THROWS_AS(tensor<float>::from({2, 2}, {1, 2, 3}), shape_error);
  CHECK_THROWS_WITH(check_same_shape("add", shape{2, 3}, shape{3}),
                    Catch::Contains("add") && Catch::Contains("[2, 3]") && Catch::Contains("[3]"));
  CHECK_THROWS_WITH(t.reshaped({4, 2}), Catch::Contains("reshape") && Catch::Contains("[4, 2]"));
  tensor<double> none;
  tensor<double> none_copy = none; // an empty tensor copies as empty (not as a rank-0 scalar)
  CHECK(none_copy.empty());
  tensor<double> scalar(shape{}, 2.5);
  tensor<double> scalar_copy = scalar;
  CHECK(scalar_copy.size() == 1);
  CHECK(scalar_copy[0] == 2.5);
  tensor<double> z = tensor<double>::zeros({4});
  CHECK(z.as_vector().sum() == 0.0);
}
