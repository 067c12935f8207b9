// RAM and flash budgets: what a compiled model needs (arena + stack in RAM, weights + code in
// flash) against what a board has, or the limits given with --ram-limit / --flash-limit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/support/status.h"

namespace kiln {

struct CompileResult;

struct Budget {
  std::string against;       // "board nrf52840dk", "--ram-limit", ...; "" when nothing is checked
  uint64_t ram_limit = 0;    // 0: not checked
  uint64_t flash_limit = 0;  // 0: not checked
  uint64_t arena = 0;
  uint64_t stack = 0;
  bool stack_measured = false;  // from the call graph of a cross build (--stack-usage)
  bool stack_bounded = true;    // false: a dynamic frame or recursion on the path
  std::vector<std::string> stack_unknown;  // callees without a figure (libm), counted as 0
  uint64_t weights = 0;
  uint64_t code = 0;
  bool code_measured = false;   // from the size of a cross-built object (--stack-usage)

  uint64_t ram() const { return arena + stack; }
  uint64_t flash() const { return weights + code; }
  bool checked() const { return ram_limit != 0 || flash_limit != 0; }
};

// Code bytes of the generated model when no cross build measured them: a fixed part plus a
// part per node, fitted to Cortex-M builds of the example models at -O2 (docs/targets.md).
uint64_t estimate_code_bytes(const CompileResult& r);
// Stack bytes of NAME_run when no cross build measured them.
uint64_t estimate_stack_bytes(const CompileResult& r);

// E0401 with the numbers and the largest contributors (the tensors alive at the arena's peak,
// the largest weights) when the model needs more than the limits; ok otherwise.
Status check_budget(const CompileResult& r, const Budget& b);
// One line: "RAM 12345 B of 262144 B (95.3% free); flash 23456 B of 1048576 B (97.8% free)".
std::string budget_summary(const Budget& b);

// "256K", "256KiB", "1M", "1MiB", "262144" -> bytes; false when malformed.
bool parse_size(const std::string& s, uint64_t* bytes);

}  // namespace kiln
