// The emitters pick runtime/kiln_simd.h's kernels on a target with SIMD vector units (the host's
// `simd_bytes`), in place too, and the memory-first kernels with --no-simd-kernels. (The kernels'
// arithmetic is tested against the reference kernels in tests/runtime/kiln_simd_test.cpp.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "compiler/driver/compile.h"

using namespace kiln;

namespace {

size_t count(const std::string& code, const std::string& what) {
  size_t n = 0;
  for (size_t at = code.find(what); at != std::string::npos; at = code.find(what, at + 1)) ++n;
  return n;
}

struct Compiled {
  std::string code;
  size_t arena;
};

Compiled compile(const std::string& path, bool simd) {
  CompileOptions o;
  o.model_path = path;
  o.name = "net";
  o.simd_kernels = simd;
  auto r = compile_model(o);
  REQUIRE(static_cast<bool>(r));
  return {r->module.files.at("net.cpp"), r->module.arena_bytes};
}

}  // namespace

TEST_CASE("the host runs the float SIMD kernels, in place too, and the blocked ones with --no-simd-kernels",
          "[ops][simd]") {
  const Compiled c = compile(std::string(KILN_SOURCE_DIR) + "/examples/kws_dscnn/model.onnx", true);
  CHECK(count(c.code, "kiln::conv2d_simd<") == 1);                // the 10x4 first layer
  CHECK(count(c.code, "kiln::depthwise2d_simd_inplace<") == 4);   // below the liveness bound
  CHECK(count(c.code, "kiln::pointwise_simd_inplace<") == 4);
  CHECK(count(c.code, "kiln::dense_simd<") == 1);
  const Compiled m = compile(std::string(KILN_SOURCE_DIR) + "/examples/kws_dscnn/model.onnx", false);
  CHECK(count(m.code, "_simd") == 0);
  CHECK(count(m.code, "kiln_simd.h") == 0);
  CHECK(m.arena <= c.arena);
}

TEST_CASE("the host runs the int8 SIMD kernels on the MLPerf Tiny KWS model", "[ops][simd][quant]") {
  const std::string path = std::string(KILN_SOURCE_DIR) + "/../shared/models/mlperf-tiny/kws_dscnn_qdq.onnx";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " is not present");
    return;
  }
  const Compiled c = compile(path, true);
  CHECK(count(c.code, "kiln::qconv2d_pairs<") == 1);
  CHECK(count(c.code, "kiln::qdepthwise2d_simd_inplace<") + count(c.code, "kiln::qdepthwise2d_simd<") == 4);
  CHECK(count(c.code, "kiln::qconv_pointwise_pairs") == 4);
  const Compiled m = compile(path, false);
  CHECK(count(m.code, "_simd") + count(m.code, "_pairs") == 0);
  CHECK(m.arena <= c.arena);
}
