# Writes OUT: a C++ source defining kiln::runtime_sources(), the runtime/ headers of DIR as
# raw string literals keyed by file name.
file(GLOB headers RELATIVE ${DIR} ${DIR}/*.h)
list(SORT headers)
set(body "// Generated from runtime/ by codegen/embed_runtime.cmake. Do not edit.\n#include <map>\n#include <string>\n\nnamespace kiln {\n\nconst std::map<std::string, std::string>& runtime_sources() {\n  static const std::map<std::string, std::string> kSources = {\n")
foreach(h ${headers})
  file(READ ${DIR}/${h} content)
  string(APPEND body "    {\"${h}\", R\"KILNRT(${content})KILNRT\"},\n")
endforeach()
string(APPEND body "  };\n  return kSources;\n}\n\n}  // namespace kiln\n")
file(WRITE ${OUT} "${body}")
