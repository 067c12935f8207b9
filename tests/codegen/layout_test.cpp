#include <catch2/catch.hpp>

#include "compiler/driver/compile.h"

using namespace kiln;

namespace {

CompileOptions digits() {
  CompileOptions o;
  o.model_path = std::string(KILN_SOURCE_DIR) + "/examples/digits_cnn/model.onnx";
  o.name = "net";
  o.target = "cortex-m4";
  return o;
}

std::map<std::string, std::string> files_of(const CompileOptions& o) {
  auto r = compile_model(o);
  REQUIRE(r);
  return r->module.files;
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("the flat layout is one folder: net.h, net.cpp and the runtime headers", "[codegen]") {
  auto files = files_of(digits());
  CHECK(files.count("net.h"));
  CHECK(files.count("net.cpp"));
  CHECK(files.count("kiln_base.h"));
  for (const auto& kv : files) CHECK(kv.first.find('/') == std::string::npos);
}

TEST_CASE("the arduino layout is a library with the sources in src/ and an example sketch", "[codegen]") {
  CompileOptions o = digits();
  o.layout = "arduino";
  auto files = files_of(o);
  CHECK(files.count("src/net.h"));
  CHECK(files.count("src/net.cpp"));
  CHECK(files.count("src/kiln_base.h"));
  REQUIRE(files.count("library.properties"));
  CHECK(has(files["library.properties"], "\nname=net\n"));
  CHECK(has(files["library.properties"], "\nincludes=net.h\n"));
  REQUIRE(files.count("examples/net/net.ino"));
  const std::string& sketch = files["examples/net/net.ino"];
  CHECK(has(sketch, "#include <net.h>"));
  CHECK(has(sketch, "net_invoke()"));
  CHECK(has(sketch, "output_0 argmax"));
}

TEST_CASE("the zephyr and esp-idf layouts keep the header public and the rest in src/", "[codegen]") {
  CompileOptions o = digits();
  o.layout = "zephyr";
  auto z = files_of(o);
  CHECK(z.count("include/net.h"));
  CHECK(z.count("src/net.cpp"));
  CHECK(z.count("src/kiln_base.h"));
  CHECK(has(z["zephyr/module.yml"], "build:\n  cmake: .\n  kconfig: Kconfig\n"));
  CHECK(has(z["Kconfig"], "config KILN_NET\n"));
  CHECK(has(z["CMakeLists.txt"], "zephyr_library_sources(src/net.cpp)"));

  o.layout = "esp-idf";
  auto e = files_of(o);
  CHECK(e.count("include/net.h"));
  CHECK(has(e["CMakeLists.txt"], "idf_component_register(SRCS \"src/net.cpp\""));
}

TEST_CASE("option --arena-section and --weights-section bake overridable defines into NAME.cpp", "[codegen]") {
  CompileOptions o = digits();
  o.arena_section = ".bss.dtcm";
  o.weights_section = ".qspi";
  auto files = files_of(o);
  const std::string& c = files["net.cpp"];
  CHECK(has(c, "#ifndef KILN_NET_ARENA_SECTION\n#define KILN_NET_ARENA_SECTION \".bss.dtcm\"\n#endif\n"));
  CHECK(has(c, "#ifndef KILN_NET_WEIGHTS_SECTION\n#define KILN_NET_WEIGHTS_SECTION \".qspi\"\n#endif\n"));
  // the defines come before their use
  CHECK(c.find("#define KILN_NET_ARENA_SECTION") < c.find("#if defined(KILN_NET_ARENA_SECTION)"));
}

TEST_CASE("option --arena external replaces the static arena with NAME_set_arena", "[codegen]") {
  CompileOptions o = digits();
  o.external_arena = true;
  auto files = files_of(o);
  const std::string& h = files["net.h"];
  const std::string& c = files["net.cpp"];
  CHECK(has(h, "#define NET_ARENA_EXTERNAL 1\n"));
  CHECK(has(h, "int net_set_arena(void *arena);"));
  CHECK(has(c, "uint8_t* g_arena = nullptr;"));
  CHECK_FALSE(has(c, "KILN_NET_ARENA_ATTR;"));
  CHECK(has(c, "if (a == nullptr) return 1;"));
  CHECK(has(c, "% 16 != 0) return 1;"));  // cortex-m4 arenas are 16-aligned
}

TEST_CASE("compile rejects bad section names, an arena section with an external arena, unknown layouts",
          "[codegen]") {
  CompileOptions o = digits();
  o.arena_section = ".dtcm\" evil";
  auto r = compile_model(o);
  REQUIRE_FALSE(r);
  CHECK(r.status().code() == ErrorCode::kBadOption);

  o = digits();
  o.arena_section = ".bss.dtcm";
  o.external_arena = true;
  CHECK_FALSE(compile_model(o));

  o = digits();
  o.layout = "platformio";
  CHECK_FALSE(compile_model(o));
}
