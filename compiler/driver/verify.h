// kiln verify: compile a model, cross-build it with a small harness, run it in QEMU (or natively
// for the host target), and compare its outputs with kiln's reference evaluation and with the
// same generated code built for the host. Also reports what the model costs on the core: flash
// and RAM of the model object, stack depth, executed instructions per inference.
#pragma once

#include <string>
#include <vector>

#include "compiler/driver/compile.h"
#include "compiler/driver/cross.h"

namespace kiln {

struct VerifyOptions {
  CompileOptions compile;           // target (or board), name, input shapes
  std::vector<std::string> inputs;  // TensorProto .pb files in graph order; empty: a fixed pattern
  std::string work_dir;             // "" : a temporary folder, removed afterwards
  std::vector<std::string> cflags;  // appended when compiling the generated code (e.g. -Os)
  double rtol = 1e-4, atol = 1e-5;  // target vs. kiln's reference (float outputs)
  double host_rtol = 1e-4;          // target vs. host run of the same code (float outputs)
  bool compare_host = true;
  int timeout_s = 120;              // per QEMU run
};

struct OutputCheck {
  std::string name;
  std::string type;       // "f32[1x12]"
  int64_t count = 0;
  double max_abs_err = 0;  // against the reference
  double max_rel_err = 0;
  bool ref_ok = true;
  bool host_ok = true;     // against the host run (exact for integers)
  double host_max_rel = 0;
};

struct VerifyResult {
  std::string name, target, machine;  // machine: "" for the host
  std::vector<OutputCheck> outputs;
  bool host_compared = false;
  ModuleBuild build;           // the model object: sizes and static stack depth
  int64_t weights_bytes = 0, arena_bytes = 0;
  int64_t stack_measured = -1;  // painted-stack peak of NAME_invoke on the target
  int64_t instructions = -1;    // per inference (NAME_invoke); -1 on the host
  double insns_per_tick = 0, calibrated_insns_per_tick = 0;
  int64_t macs = 0;
  bool ok() const;
};

Expected<VerifyResult> verify_model(const VerifyOptions& opt);

std::string verify_summary(const VerifyResult& r);
std::string verify_json(const VerifyResult& r);

}  // namespace kiln
