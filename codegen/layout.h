// Output layouts: how a module's files are arranged for a build system or vendor IDE.
//
//   flat     NAME.h, NAME.cpp and kiln_*.h in one folder: any C++14 toolchain, only the folder on
//            the include path (STM32CubeIDE, Keil MDK, IAR, MCUXpresso, plain Make/CMake)
//   arduino  an Arduino library: library.properties, src/, examples/NAME/NAME.ino
//   zephyr   a Zephyr module: zephyr/module.yml, CMakeLists.txt, Kconfig, include/, src/
//   esp-idf  an ESP-IDF component: CMakeLists.txt (idf_component_register), include/, src/
//
// The sources are the same in every layout; only their places and the build glue differ.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "codegen/module.h"

namespace kiln {

// The layout names, the default ("flat") first.
const std::vector<std::string>& layout_names();

// Paths (relative to the output folder, '/'-separated) -> contents.
Expected<std::map<std::string, std::string>> lay_out(const std::string& layout, const GeneratedModule& mod,
                                                     const Graph& g, const ModuleOptions& opt);

}  // namespace kiln
