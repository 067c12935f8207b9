#include "compiler/support/status.h"

#include <fmt/format.h>

namespace kiln {

std::string Diagnostic::str() const {
  std::string s = fmt::format("error[E{:04d}]: ", static_cast<int>(code));
  if (!op.empty() || !node.empty()) s += fmt::format("{} '{}': ", op, node);
  s += message;
  if (!hint.empty()) s += fmt::format(" ({})", hint);
  if (!notes.empty()) s += "\n" + notes;
  return s;
}

std::string Status::str() const {
  std::string s;
  for (const Diagnostic& d : diags_) {
    if (!s.empty()) s += '\n';
    s += d.str();
  }
  return s;
}

int Status::exit_code() const {
  if (is_ok()) return 0;
  int category = static_cast<int>(code()) / 100;
  return category >= 1 && category <= 5 ? category : 5;
}

Status error(ErrorCode code, std::string message, std::string hint, std::string notes) {
  return Status(Diagnostic{code, {}, {}, std::move(message), std::move(hint), std::move(notes)});
}

Status node_error(ErrorCode code, const std::string& op, const std::string& node,
                  std::string message, std::string hint) {
  return Status(Diagnostic{code, op, node, std::move(message), std::move(hint)});
}

Status unsupported_op(const std::string& op, const std::string& node, int opset) {
  return node_error(ErrorCode::kUnsupportedOp, op, node,
                    fmt::format("operator {} (opset {}) is not supported", op, opset),
                    "see docs/operators.md for the supported set");
}

Status unsupported_attr(const std::string& op, const std::string& node, const std::string& what,
                        std::string hint) {
  return node_error(ErrorCode::kUnsupportedAttr, op, node, what, std::move(hint));
}

Status internal_error(const char* file, int line, const std::string& what) {
  return Status(Diagnostic{ErrorCode::kInternal, {}, {},
                           fmt::format("internal compiler error at {}:{}: {}", file, line, what),
                           "please report this with the model"});
}

}  // namespace kiln
