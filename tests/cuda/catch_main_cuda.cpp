// Catch2 main for the GPU tests: lets --list/--help through (test discovery), then exits 77
// (CTest: Skipped) when no CUDA device is usable, or 1 when HAMGEN_REQUIRE_GPU is set.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <hamgen/cuda/runtime.hpp>

#include <cstdio>
#include <cstdlib>

int main(int argc, char* argv[]) {
  Catch::Session session;
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  const auto& cfg = session.configData();
  const bool listing =
      cfg.listTests || cfg.listTestNamesOnly || cfg.listTags || cfg.listReporters || cfg.showHelp;
  cudaError_t why{};
  if (!listing && !hamgen::cuda_rt::device_available(&why)) {
    std::printf("SKIP: no usable CUDA device (cudaGetDeviceCount: %s = %d, %s)\n", cudaGetErrorName(why),
                static_cast<int>(why), cudaGetErrorString(why));
    if (std::getenv("HAMGEN_REQUIRE_GPU")) return 1;
    return 77;
  }
  return session.run();
}
