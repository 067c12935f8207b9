// Runner of kiln_simd_avx2_tests (tests/CMakeLists.txt): tests/runtime/kiln_simd_test.cpp built
// with -mavx2, so the kernels take their AVX2 paths. On a CPU without AVX2 every test exits 77
// (skipped) before running any of it; listing the tests works anywhere.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing |= std::strncmp(argv[i], "--list", 6) == 0;
  if (!listing && !__builtin_cpu_supports("avx2")) {
    std::printf("skipped: this CPU has no AVX2\n");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
