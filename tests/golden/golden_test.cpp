// Golden files: the IR after the default pipeline and the generated sources of tests/golden/tiny.onnx.
// A refactor must show zero golden diff. After an intended change, regenerate with
//   KILN_UPDATE_GOLDEN=1 ./build/tests/kiln_unit_tests "[golden]"
// and review the diff like code.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "compiler/driver/compile.h"
#include "compiler/ir/printer.h"

using namespace kiln;

namespace {

const std::string kDir = std::string(KILN_SOURCE_DIR) + "/tests/golden/";

void check_golden(const std::string& file, const std::string& actual) {
  const std::string path = kDir + file;
  if (const char* up = std::getenv("KILN_UPDATE_GOLDEN"); up && std::string(up) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    WARN("updated " << path);
    return;
  }
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  INFO("golden file " << path << " differs; if the change is intended, rerun with KILN_UPDATE_GOLDEN=1");
  CHECK(ss.str() == actual);
}

CompileResult compile_tiny() {
  CompileOptions o;
  o.model_path = kDir + "tiny.onnx";
  o.name = "tiny";
  auto r = compile_model(o);
  if (!r) FAIL(r.status().str());
  return r.take();
}

}  // namespace

TEST_CASE("golden: IR of tiny.onnx after the default pipeline", "[golden]") {
  check_golden("tiny.ir.txt", print_graph(compile_tiny().graph));
}

TEST_CASE("golden: generated sources of tiny.onnx", "[golden]") {
  CompileResult r = compile_tiny();
  check_golden("tiny.h.txt", r.module.files.at("tiny.h"));
  check_golden("tiny.cpp.txt", r.module.files.at("tiny.cpp"));
}
