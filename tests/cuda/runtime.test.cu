#include <hamgen/cuda/runtime.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace {
__global__ void scale_kernel(double* x, double a, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] *= a;
}
} // namespace

TEST_CASE("device_buffer moves data to the GPU and back through a kernel", "[cuda][runtime]") {
  const int n = 1031; // odd size: partial last block
  std::vector<double> host(n);
  for (int i = 0; i < n; ++i) host[i] = 0.5 + i;
  hamgen::cuda_rt::device_buffer<double> buf(n);
  buf.upload(host);
  scale_kernel<<<(n + 255) / 256, 256>>>(buf.data(), -2.0, n);
  HAMGEN_CUDA_CHECK_LAUNCH();
  HAMGEN_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<double> back(n, 0.0);
  buf.download(back);
  for (int i = 0; i < n; ++i) REQUIRE(back[i] == -2.0 * (0.5 + i));
}

TEST_CASE("device_buffer rejects mismatched transfers and CUDA errors are named", "[cuda][runtime]") {
  hamgen::cuda_rt::device_buffer<float> buf(8);
  std::vector<float> wrong(7);
  CHECK_THROWS_AS(buf.upload(wrong), hamgen::shape_error);
  CHECK_THROWS_WITH(HAMGEN_CUDA_CHECK(cudaSetDevice(1 << 20)), Catch::Contains("cudaSetDevice"));
}
