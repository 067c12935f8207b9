// Errors as values.
//
// Every user- or model-facing failure is a Status with a stable code (E0xyy), the node it is
// about, the op, a message and a hint. The category (the hundreds digit) maps to the CLI exit
// status: 1 usage, 2 invalid model, 3 unsupported, 4 over budget, 5 internal. Named factories keep
// the wording uniform; library code never exits.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kiln {

enum class ErrorCode : int {
  kOk = 0,
  // 1xx: usage
  kBadOption = 101,
  kBadInputShape = 102,
  kIoError = 103,
  kToolMissing = 104,
  // 2xx: invalid model
  kParseFailed = 201,
  kCheckerFailed = 202,
  kShapeInferenceFailed = 203,
  kMissingDim = 204,
  kBadExternalData = 205,
  kInvalidNode = 206,
  kNotConstant = 207,
  // 3xx: unsupported
  kUnsupportedOp = 301,
  kUnsupportedAttr = 302,
  kUnsupportedType = 303,
  kUnsupportedOpset = 304,
  kDynamicShape = 305,
  // 4xx: budget
  kOverBudget = 401,
  // 5xx: internal
  kInternal = 501,
  kVerifyMismatch = 502,
  kTargetRunFailed = 503,
};

struct Diagnostic {
  ErrorCode code = ErrorCode::kOk;
  std::string op;
  std::string node;
  std::string message;
  std::string hint;
  std::string notes = {};  // further lines printed under the message (e.g. the largest contributors)

  // "error[E0301]: Conv 'conv1': message (hint)", then the notes
  std::string str() const;
};

// Ok, or one or more diagnostics (several when a model has several unsupported ops).
class Status {
 public:
  Status() = default;
  explicit Status(Diagnostic d) { diags_.push_back(std::move(d)); }

  static Status ok() { return Status(); }
  bool is_ok() const { return diags_.empty(); }
  explicit operator bool() const { return is_ok(); }

  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  ErrorCode code() const { return diags_.empty() ? ErrorCode::kOk : diags_.front().code; }
  void merge(const Status& other) {
    diags_.insert(diags_.end(), other.diags_.begin(), other.diags_.end());
  }
  std::string str() const;
  // CLI exit status for this status: 0 ok, 1 usage, 2 invalid, 3 unsupported, 4 budget, 5 internal.
  int exit_code() const;

 private:
  std::vector<Diagnostic> diags_;
};

template <typename T>
class Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Expected(Status status) : status_(std::move(status)) {}  // NOLINT
  bool has_value() const { return status_.is_ok(); }
  explicit operator bool() const { return has_value(); }
  T& operator*() { return value_; }
  const T& operator*() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  const Status& status() const { return status_; }
  T take() { return std::move(value_); }

 private:
  T value_{};
  Status status_;
};

// Named factories.
Status error(ErrorCode code, std::string message, std::string hint = {}, std::string notes = {});
Status node_error(ErrorCode code, const std::string& op, const std::string& node,
                  std::string message, std::string hint = {});
Status unsupported_op(const std::string& op, const std::string& node, int opset);
Status unsupported_attr(const std::string& op, const std::string& node, const std::string& what,
                        std::string hint = {});
Status internal_error(const char* file, int line, const std::string& what);

}  // namespace kiln

// Internal invariants: a broken one is a compiler bug, reported as such with file:line.
#define KILN_ICE(what) ::kiln::internal_error(__FILE__, __LINE__, (what))

#define KILN_TRY(expr)                    \
  do {                                    \
    ::kiln::Status kiln_status_ = (expr); \
    if (!kiln_status_) return kiln_status_; \
  } while (0)
