// Writes a planned Graph as self-contained C++ sources: NAME.h, NAME.cpp and the runtime/
// headers the emitted kernels need.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/support/status.h"
#include "targets/targets.h"

namespace kiln {

struct ModuleOptions {
  std::string name;          // C identifier prefix for every symbol
  std::string kiln_version;
  std::string model_file;    // shown in the banner (file name only, so output is path-independent)
  std::string arena_section;    // baked-in default of KILN_NAME_ARENA_SECTION ("" = none)
  std::string weights_section;  // baked-in default of KILN_NAME_WEIGHTS_SECTION ("" = none)
  bool external_arena = false;  // the firmware passes its own arena to NAME_set_arena()
  bool sparse_weights = true;   // sparse weights as CSR where it pays (compiler/ops/sparse_util.h)
};

// What a module's emission collects: included runtime headers and the constants it references.
class CodegenState {
 public:
  CodegenState(const Graph& g, const Target& t) : graph_(g), target_(t) {}

  void include(const std::string& header) { includes_.insert(header); }
  // Symbol of a constant tensor of the graph (registered on first use).
  std::string const_symbol(const std::string& tensor);
  // Registers a derived constant; returns its symbol.
  std::string add_const(const std::string& hint, const Tensor& t);

  const std::set<std::string>& includes() const { return includes_; }
  bool sparse_weights = true;  // ModuleOptions::sparse_weights
  struct Const {
    std::string symbol;
    Tensor tensor;
  };
  const std::vector<Const>& consts() const { return consts_; }
  size_t const_bytes() const;
  const Target& target() const { return target_; }

 private:
  std::string fresh_symbol(const std::string& hint);
  const Graph& graph_;
  const Target& target_;
  std::set<std::string> includes_;
  std::vector<Const> consts_;
  std::map<std::string, std::string> by_tensor_;
  std::set<std::string> used_symbols_;
};

struct GeneratedModule {
  std::map<std::string, std::string> files;  // file name -> contents
  size_t arena_bytes = 0;
  size_t weight_bytes = 0;
};

// Requires a memory-planned graph (every non-constant tensor has an arena offset).
Expected<GeneratedModule> write_module(Graph& g, const Target& target, const ModuleOptions& opt);

// The runtime/ headers embedded into the kiln binary at build time.
const std::map<std::string, std::string>& runtime_sources();

// "my-model.v2" -> "my_model_v2"; a leading digit gets a "m_" prefix.
std::string c_identifier(const std::string& s);

}  // namespace kiln
