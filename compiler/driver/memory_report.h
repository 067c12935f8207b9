// What the user sees of the memory plan: arena vs. liveness bound, the tensors alive at the
// peak, and the whole placement as a self-contained HTML page or JSON (kiln inspect --html/--json).
#pragma once

#include <string>
#include <vector>

#include "compiler/driver/compile.h"
#include "passes/memory_plan.h"

namespace kiln {

// One below-the-bound rewrite of passes/inplace.cpp: `output` written over `input`'s bytes.
struct InplaceRelation {
  std::string node, op;
  std::string kind;     // "depthwise", "pointwise" or "quantize"
  std::string input, output;
  int64_t offset = 0;   // output's first byte minus input's first byte (< 0: the input sits at the output's end)
  int64_t scratch = 0;  // the kernel's planned scratch bytes
};

struct MemoryReport {
  int64_t arena = 0;
  int64_t bound = 0;
  int peak_step = 0;                  // schedule step where the live bytes peak
  std::vector<Buffer> buffers;        // root buffers with live ranges
  std::vector<int64_t> offsets;       // arena offset per buffer
  std::vector<std::string> peak;      // names of the buffers alive at the peak, largest first
  std::vector<int64_t> peak_bytes;    // their live bytes at the peak
  std::vector<InplaceRelation> inplace;
};

MemoryReport memory_report(const CompileResult& r);
// What --patches did (passes/patch_stage.cpp): "" when it was not asked for, else the grid, the
// layers covered, the arena without and with patches and the MACs computed again.
std::string patch_summary(const CompileResult& r);
// The same as a JSON object ("null" when not asked for).
std::string patch_json(const CompileResult& r);
// "arena 64000 B = 100.0% of the liveness bound 64000 B; alive at the peak (step 3): a 32000 B, b 32000 B"
std::string memory_summary(const MemoryReport& m);
std::string memory_json(const CompileResult& r, const MemoryReport& m);
std::string memory_html(const CompileResult& r, const MemoryReport& m);

}  // namespace kiln
