// Targets, boards and budgets as users meet them: `kiln compile --board`, the E0401 over-budget
// error, the soft-float warning, `kiln verify` without its toolchain; and the pieces underneath
// (sizes, the stack depth of a GCC call graph, capability-only code generation).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "compiler/driver/budget.h"
#include "compiler/driver/cross.h"
#include "targets/targets.h"

namespace fs = std::filesystem;

namespace {

const std::string kKiln = KILN_BINARY;
const std::string kModel = std::string(KILN_SOURCE_DIR) + "/tests/qemu/residual_cnn.onnx";

struct Run {
  int status;
  std::string out;
};

Run run(const std::string& cmd) {
  // catch_discover_tests runs test cases as parallel processes: one log per process
  fs::path log = fs::temp_directory_path() / ("kiln_budget_test." + std::to_string(getpid()) + ".log");
  int rc = std::system((cmd + " > " + log.string() + " 2>&1").c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
}

Run run_kiln(const std::string& args) { return run(kKiln + " " + args); }

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / name;
  fs::remove_all(d);
  return d;
}

}  // namespace

TEST_CASE("parse_size reads bytes, K and M suffixes", "[budget]") {
  uint64_t v = 0;
  CHECK((kiln::parse_size("262144", &v) && v == 262144));
  CHECK((kiln::parse_size("256K", &v) && v == 262144));
  CHECK((kiln::parse_size("256KiB", &v) && v == 262144));
  CHECK((kiln::parse_size("1M", &v) && v == 1048576));
  CHECK_FALSE(kiln::parse_size("", &v));
  CHECK_FALSE(kiln::parse_size("12x", &v));
  CHECK_FALSE(kiln::parse_size("K", &v));
}

TEST_CASE("stack_depth takes the deepest path of a GCC call graph and lists unknown callees", "[budget]") {
  const std::string ci = R"CI(graph: { title: "net.cpp"
node: { title: "net.cpp:_Z1kILi16EEvPf" label: "void k(float*) [with int N = 16]\nnet.cpp:3:49\n88 bytes (static)" }
node: { title: "expf" label: "float expf(float)\n/usr/include/newlib/math.h:361:14" shape : ellipse }
edge: { sourcename: "net.cpp:_Z1kILi16EEvPf" targetname: "expf" label: "net.cpp:3:114" }
node: { title: "net.cpp:_Z1kILi32EEvPf" label: "void k(float*) [with int N = 32]\nnet.cpp:3:49\n152 bytes (static)" }
node: { title: "net_invoke" label: "int net_invoke(float*)\nnet.cpp:4:16\n8 bytes (static)" }
edge: { sourcename: "net_invoke" targetname: "net.cpp:_Z1kILi16EEvPf" label: "net.cpp:4:44" }
edge: { sourcename: "net_invoke" targetname: "net.cpp:_Z1kILi32EEvPf" label: "net.cpp:4:54" }
node: { title: "net_run" label: "int net_run(float*)\nnet.cpp:5:16\n16 bytes (static)" }
edge: { sourcename: "net_run" targetname: "net_invoke" label: "net.cpp:5:30" }
}
)CI";
  kiln::StackDepth d = kiln::stack_depth(ci, "net_run");
  CHECK(d.bytes == 16 + 8 + 152);
  CHECK(d.bounded);
  CHECK(d.unknown == std::vector<std::string>{"expf"});
  CHECK(kiln::stack_depth(ci, "other_run").bytes == -1);
}

TEST_CASE("every core with a QEMU machine names one kiln knows, every board a known core", "[targets]") {
  for (const kiln::Target& t : kiln::all_targets())
    if (*t.qemu) CHECK(kiln::find_machine(t.qemu) != nullptr);
  for (const kiln::Board& b : kiln::all_boards()) CHECK(kiln::find_target(b.core) != nullptr);
  for (const char* b : {"nucleo-f446re", "nucleo-l4r5zi", "nucleo-h743zi", "nrf52840dk", "arduino-nano-33-ble",
                        "rp2040-pico", "esp32-devkitc", "esp32-s3-devkitc", "microbit-v1", "sifive-hifive1",
                        "mps2-an386"})
    CHECK(kiln::find_board(b) != nullptr);
}

TEST_CASE("code generation asks capabilities, never core names", "[targets]") {
  // Ops, passes and codegen must read target.has_dsp / alignment / fpu, not compare names.
  for (const char* dir : {"compiler/ops", "passes", "codegen", "runtime"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(KILN_SOURCE_DIR) / dir)) {
      std::ifstream f(e.path());
      std::stringstream ss;
      ss << f.rdbuf();
      const std::string text = ss.str();
      for (const char* name : {"\"cortex-m", "\"riscv32", "\"esp32", "\"host\""}) {
        INFO(e.path().string() << " mentions " << name);
        CHECK(text.find(name) == std::string::npos);
      }
    }
  }
}

TEST_CASE("kiln targets lists cores, boards and QEMU machines", "[cli][targets]") {
  Run r = run_kiln("targets");
  CHECK(r.status == 0);
  for (const char* s : {"cortex-m55", "riscv32f", "esp32s3", "nrf52840dk", "microbit-v1", "mps2-an505", "virt"})
    CHECK(r.out.find(s) != std::string::npos);
}

TEST_CASE("kiln compile --board prints the headroom against the board", "[cli][budget]") {
  fs::path out = fresh_dir("kiln_budget_fits");
  Run r = run_kiln("compile " + kModel + " --board nrf52840dk -o " + out.string());
  CHECK(r.status == 0);
  CHECK(r.out.find("target   cortex-m4 (board nrf52840dk)") != std::string::npos);
  CHECK(r.out.find("budget   board nrf52840dk: RAM ") != std::string::npos);
  CHECK(r.out.find("% free") != std::string::npos);
}

TEST_CASE("over budget is E0401, exit status 4, names the peak tensors and writes nothing", "[cli][budget]") {
  fs::path out = fresh_dir("kiln_budget_over");
  Run r = run_kiln("compile " + kModel + " --board nrf52840dk --ram-limit 4K --flash-limit 2K -o " + out.string());
  CHECK(r.status == 4);
  CHECK(r.out.find("error[E0401]") != std::string::npos);
  CHECK(r.out.find("RAM 9472 B needed, 4096 B available") != std::string::npos);
  CHECK(r.out.find("alive at the arena's peak") != std::string::npos);
  CHECK(r.out.find("r1 f32[1x8x12x12]") != std::string::npos);  // one of the two peak tensors
  CHECK(r.out.find("largest weights") != std::string::npos);
  CHECK(r.out.find("w2 f32[8x8x3x3]") != std::string::npos);     // the largest weight
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("a board implies its core; a contradicting --target is a usage error", "[cli][budget]") {
  fs::path out = fresh_dir("kiln_budget_board");
  CHECK(run_kiln("compile " + kModel + " --board microbit-v1 --target cortex-m4 -o " + out.string()).status == 1);
  CHECK(run_kiln("compile " + kModel + " --board no-such-board -o " + out.string()).status == 1);
  CHECK(run_kiln("compile " + kModel + " --board microbit-v1 --ram-limit 12x -o " + out.string()).status == 1);
}

TEST_CASE("a float model on a core without an FPU warns about soft-float", "[cli][budget]") {
  fs::path out = fresh_dir("kiln_budget_softfloat");
  Run r = run_kiln("compile " + kModel + " --target cortex-m0plus -o " + out.string());
  CHECK(r.status == 0);
  CHECK(r.out.find("warning: cortex-m0plus has no FPU") != std::string::npos);
  CHECK(r.out.find("--quantize int8") != std::string::npos);
  CHECK(run_kiln("compile " + kModel + " --target cortex-m4 -o " + out.string()).out.find("warning:") == std::string::npos);
}

TEST_CASE("kiln verify says which packages provide a missing toolchain or QEMU", "[cli][verify]") {
  Run r = run("PATH=/nonexistent " + kKiln + " verify " + kModel + " --target riscv32");
  CHECK(r.status == 1);
  CHECK(r.out.find("error[E0104]") != std::string::npos);
  CHECK(r.out.find("apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc") !=
        std::string::npos);
  Run esp = run_kiln("verify " + kModel + " --target esp32");
  CHECK(esp.status == 1);
  CHECK(esp.out.find("no QEMU machine for esp32") != std::string::npos);
}
