// Cross toolchains and QEMU as kiln uses them: find a program, run it with a time limit, build
// generated code for a target, and read back what the object costs (sizes, deepest stack).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "codegen/module.h"
#include "compiler/support/status.h"
#include "targets/targets.h"

namespace kiln {

// The full path of `name` found in PATH (or `name` itself when it holds a '/'), "" when absent.
std::string find_program(const std::string& name);

struct ProcessResult {
  int status = -1;         // exit status; -1 when killed by a signal or not started
  bool timed_out = false;
  std::string output;      // stdout and stderr, interleaved
};

// Runs argv (argv[0] searched in PATH) in `dir` ("" = the current folder). timeout_s <= 0: none.
// With `log` (a path), stdout and stderr go to that file and are read back at the end instead of
// through a pipe: QEMU's semihosting console writes without blocking and drops what a full pipe
// (64 KB) does not take, so a run printing more than that must write to a file.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& dir = "", int timeout_s = 0,
                          const std::string& log = "");

// A target's cross compiler: the C++ driver of the target row, the C driver beside it and the
// binutils `size`.
struct Toolchain {
  std::string cxx, cc, size;
};
// E0104 naming the missing program and the Debian packages that provide it.
Expected<Toolchain> find_toolchain(const Target& t, const std::string& packages);

struct ObjectSizes {
  uint64_t text = 0, data = 0, bss = 0;
  uint64_t flash() const { return text + data; }
  uint64_t ram() const { return data + bss; }
};
Expected<ObjectSizes> object_sizes(const Toolchain& tc, const std::string& object);

// The deepest stack use of `root` from a GCC -fcallgraph-info=su file: the largest sum of frame
// sizes along a call path. Calls to functions outside the file (libm) have no figure; they are
// listed in `unknown` and count as 0.
struct StackDepth {
  int64_t bytes = -1;  // -1: `root` is not in the file
  bool bounded = true;  // false when a frame on the path is dynamic, or the graph is recursive
  std::vector<std::string> unknown;
};
StackDepth stack_depth(const std::string& callgraph, const std::string& root);

// Flags every generated model must compile with on a target (besides the target's own).
std::vector<std::string> generated_code_flags();

struct ModuleBuild {
  std::string object;  // NAME.o inside the build folder
  ObjectSizes sizes;
  StackDepth stack;    // of NAME_run
};
// Writes the module's files into `dir` and compiles NAME.cpp for the target (with `extra`
// flags appended), then reads its sizes and stack depth.
Expected<ModuleBuild> build_module(const GeneratedModule& m, const std::string& name, const Target& t,
                                   const Toolchain& tc, const std::string& dir,
                                   const std::vector<std::string>& extra = {});

// Writes files (name -> contents) into dir.
Status write_files(const std::string& dir, const std::map<std::string, std::string>& files);

}  // namespace kiln
