// RAM and flash budgets. RAM is the arena plus the stack of NAME_run; flash is the weights plus
// the code. Code and stack are measured when a cross build ran (--stack-usage), estimated
// otherwise. Over budget, the error names what to shrink: the tensors alive at the arena's peak
// and the largest weights.
#include "compiler/driver/budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "compiler/driver/compile.h"
#include "compiler/driver/memory_report.h"
#include "compiler/ir/printer.h"

namespace kiln {

// An upper bound fitted to arm-none-eabi-g++ -O2 builds of the example and test models on
// Cortex-M0+ and M4 (model object text+data minus weights: 67 to 260 bytes per node): the
// run/invoke/accessor scaffolding, plus each node's specialised kernel. Library code the model
// calls (libm, soft-float routines) is not part of the model object and not counted.
constexpr uint64_t kCodeBaseBytes = 512;
constexpr uint64_t kCodePerNodeBytes = 256;
// NAME_run and the kernels keep little on the stack (loop counters, a few accumulators): the
// same builds measured 16 to 176 bytes.
constexpr uint64_t kStackEstimateBytes = 256;

uint64_t estimate_code_bytes(const CompileResult& r) {
  return kCodeBaseBytes + kCodePerNodeBytes * r.graph.nodes.size();
}

uint64_t estimate_stack_bytes(const CompileResult&) { return kStackEstimateBytes; }

static std::string pct_free(uint64_t need, uint64_t limit) {
  return fmt::format("{:.1f}% free", 100.0 * (static_cast<double>(limit) - static_cast<double>(need)) /
                                         static_cast<double>(limit));
}

std::string budget_summary(const Budget& b) {
  std::string s;
  auto part = [&](const char* what, uint64_t need, uint64_t limit) {
    if (!s.empty()) s += "; ";
    s += limit ? fmt::format("{} {} B of {} B ({})", what, need, limit, pct_free(need, limit))
               : fmt::format("{} {} B (unchecked)", what, need);
  };
  part("RAM", b.ram(), b.ram_limit);
  part("flash", b.flash(), b.flash_limit);
  return s;
}

static std::string ram_notes(const CompileResult& r, const Budget& b) {
  std::string s = fmt::format("  RAM   {} B = arena {} B + stack {} B ({})\n", b.ram(), b.arena, b.stack,
                              b.stack_measured ? "measured" : "estimate; --stack-usage measures it");
  MemoryReport m = memory_report(r);
  const Node* at = m.peak_step >= 0 && m.peak_step < static_cast<int>(r.graph.nodes.size())
                       ? &r.graph.nodes[m.peak_step] : nullptr;
  s += fmt::format("        alive at the arena's peak (step {}{}):\n", m.peak_step,
                   at ? fmt::format(", {} '{}'", at->op, at->name) : std::string());
  size_t shown = 0;
  for (const auto& name : m.peak) {
    if (++shown > 5) {
      s += fmt::format("          ... {} more\n", m.peak.size() - 5);
      break;
    }
    const int64_t size = m.peak_bytes[shown - 1];
    auto it = r.graph.tensors.find(name);
    std::string type = it != r.graph.tensors.end() ? " " + print_tensor_type(it->second) : std::string();
    s += fmt::format("          {:>9} B  {}{}\n", size, name, type);
  }
  return s;
}

static std::string flash_notes(const CompileResult& r, const Budget& b) {
  std::string s = fmt::format("  flash {} B = weights {} B + code {} B ({})\n", b.flash(), b.weights, b.code,
                              b.code_measured ? "measured" : "estimate; --stack-usage measures it");
  std::vector<const Tensor*> used;
  for (const Node& n : r.graph.nodes)
    for (const auto& in : n.inputs)
      if (!in.empty() && r.graph.tensor(in).is_const) used.push_back(&r.graph.tensor(in));
  std::sort(used.begin(), used.end(), [](const Tensor* x, const Tensor* y) {
    return x->bytes() != y->bytes() ? x->bytes() > y->bytes() : x->name < y->name;
  });
  used.erase(std::unique(used.begin(), used.end()), used.end());
  s += "        largest weights:\n";
  for (size_t i = 0; i < used.size() && i < 5; ++i)
    s += fmt::format("          {:>9} B  {} {}\n", used[i]->bytes(), used[i]->name, print_tensor_type(*used[i]));
  return s;
}

Status check_budget(const CompileResult& r, const Budget& b) {
  const bool ram_over = b.ram_limit && b.ram() > b.ram_limit;
  const bool flash_over = b.flash_limit && b.flash() > b.flash_limit;
  if (!ram_over && !flash_over) return Status::ok();
  std::string what;
  if (ram_over) what = fmt::format("RAM {} B needed, {} B available ({} B over)", b.ram(), b.ram_limit, b.ram() - b.ram_limit);
  if (flash_over)
    what += fmt::format("{}flash {} B needed, {} B available ({} B over)", what.empty() ? "" : "; ", b.flash(),
                        b.flash_limit, b.flash() - b.flash_limit);
  std::string notes = (ram_over ? ram_notes(r, b) : std::string()) + (flash_over ? flash_notes(r, b) : std::string());
  if (!notes.empty() && notes.back() == '\n') notes.pop_back();
  bool float_weights = false;
  for (const auto& kv : r.graph.tensors) float_weights |= kv.second.is_const && kv.second.dtype == DType::kFloat32;
  std::string hint = "pick a board with more memory, raise the limit, or shrink the model";
  if (float_weights) hint += "; int8 weights (--quantize int8) take a quarter of the flash";
  return error(ErrorCode::kOverBudget, fmt::format("the model does not fit {}: {}", b.against, what), hint, notes);
}

bool parse_size(const std::string& text, uint64_t* bytes) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
    if (v > (uint64_t{1} << 50)) return false;
    ++i;
  }
  if (i == 0) return false;
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  if (unit == "k" || unit == "kib" || unit == "kb") mult = 1024;
  if (unit == "m" || unit == "mib" || unit == "mb") mult = 1024 * 1024;
  if (mult == 0) return false;
  *bytes = v * mult;
  return true;
}

}  // namespace kiln
