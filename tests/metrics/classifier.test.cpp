// Tests for hamgen/metrics/classifier.hpp: arg-max labels, accuracy and the confusion matrix on small
// hand-counted cases.
#include <hamgen/metrics/classifier.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

namespace hm = hamgen::metrics;

TEST_CASE("classifier: arg-max labels, lowest index on ties", "[metrics][classifier]") {
  Eigen::MatrixXf s(4, 3);
  s << 0.1f, 0.7f, 0.2f, //
      2.0f, -1.0f, 0.5f, //
      0.3f, 0.3f, 0.4f,  //
      0.5f, 0.5f, 0.0f;  // tie -> 0
  const Eigen::VectorXi l = hm::predicted_labels(s);
  CHECK(l[0] == 1);
  CHECK(l[1] == 0);
  CHECK(l[2] == 2);
  CHECK(l[3] == 0);
  s(2, 1) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(hm::predicted_labels(s), Catch::Contains("predicted_labels: scores(2, 1) is not finite"));
  CHECK_THROWS_AS(hm::predicted_labels(Eigen::MatrixXd(0, 3)), hamgen::shape_error);
}

TEST_CASE("classifier: accuracy and confusion matrix by hand", "[metrics][classifier]") {
  Eigen::VectorXi truth(6), pred(6);
  truth << 0, 0, 1, 1, 2, 2;
  pred << 0, 1, 1, 1, 0, 2; // 4 of 6 right
  CHECK(hm::accuracy(pred, truth) == Approx(4.0 / 6.0));
  const Eigen::MatrixXi c = hm::confusion_matrix(pred, truth, 3);
  Eigen::MatrixXi expected(3, 3);
  expected << 1, 1, 0, //
      0, 2, 0,         //
      1, 0, 1;
  CHECK(c == expected);
  CHECK(c.trace() == 4);
  CHECK(c.sum() == 6);

  // Labels from a std::vector through Eigen::Map, and a row vector.
  const std::vector<int> tv{2, 1, 0}, pv{2, 1, 1};
  const Eigen::Map<const Eigen::VectorXi> tm(tv.data(), 3), pm(pv.data(), 3);
  CHECK(hm::accuracy(pm, tm) == Approx(2.0 / 3.0));
  CHECK(hm::accuracy(pm.transpose(), tm) == Approx(2.0 / 3.0));
  CHECK(hm::accuracy(tm, tm) == 1.0);
}

TEST_CASE("classifier: invalid labels", "[metrics][classifier]") {
  Eigen::VectorXi a(3), b(2);
  a << 0, 1, 2;
  b << 0, 1;
  CHECK_THROWS_WITH(hm::accuracy(a, b), Catch::Contains("accuracy: 3 predicted labels but 2 true labels"));
  CHECK_THROWS_AS(hm::accuracy(Eigen::VectorXi(0), Eigen::VectorXi(0)), hamgen::shape_error);
  CHECK_THROWS_WITH(hm::confusion_matrix(a, a, 2), Catch::Contains("predicted label 2 is 2, outside [0, 2)"));
  Eigen::VectorXi neg(3);
  neg << 0, -1, 1;
  CHECK_THROWS_WITH(hm::confusion_matrix(a, neg, 3), Catch::Contains("true label 1 is -1"));
  CHECK_THROWS_AS(hm::confusion_matrix(a, a, 0), hamgen::value_error);
  CHECK_THROWS_AS(hm::accuracy(Eigen::MatrixXi::Zero(2, 2), Eigen::MatrixXi::Zero(2, 2)),
                  hamgen::shape_error);
}
