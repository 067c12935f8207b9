// The op table: one line per op in ops.def, nothing else to edit when adding an op.
#include <map>

#include "compiler/ops/op.h"

namespace kiln {

namespace {
const std::map<std::string, const OpDef*>& table() {
  static const std::map<std::string, const OpDef*> kTable = {
// Keyed by OpDef::name: ai.onnx ops by their op type, contrib ops by "com.microsoft.<Op>", the
// ops kiln's passes make by "kiln.<Op>".
#define KILN_OP(Name) {kOp_##Name.name, &kOp_##Name},
#include "compiler/ops/ops.def"
#undef KILN_OP
  };
  return kTable;
}
}  // namespace

const OpDef* find_op(const std::string& op_type, const std::string& domain) {
  std::string key = op_type;
  if (domain == "com.microsoft" || domain == "kiln") key = domain + "." + op_type;  // contrib ops, kiln's own
  else if (!domain.empty() && domain != "ai.onnx") return nullptr;
  auto it = table().find(key);
  return it == table().end() ? nullptr : it->second;
}

std::vector<const OpDef*> all_ops() {
  std::vector<const OpDef*> v;
  for (const auto& kv : table()) v.push_back(kv.second);
  return v;
}

}  // namespace kiln
