// Cores and boards as data (the rows live in cores.def and boards.def).
//
// Code generation asks capabilities (`has_fpu_sp`, `has_dsp`, `alignment`), never names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

enum class Fpu { kNone, kSingle, kDouble };

struct Target {
  const char* name;        // "cortex-m4"
  const char* isa;         // "armv7e-m"
  const char* cc;          // cross compiler ("arm-none-eabi-g++"; "" when Debian has none)
  const char* cflags;      // flags that select the core and its FPU
  Fpu fpu;
  bool has_dsp;            // Armv7E-M / Armv8-M DSP extension (SIMD on 16-bit lanes)
  bool has_mve;            // Helium
  int alignment;           // arena/weights alignment in bytes
  const char* qemu;        // QEMU system machine used to test it, "" when none
  const char* summary;

  bool has_fpu_sp() const { return fpu != Fpu::kNone; }
  bool has_fpu_dp() const { return fpu == Fpu::kDouble; }
};

struct Board {
  const char* name;
  const char* core;  // a Target name
  uint64_t ram_bytes;
  uint64_t flash_bytes;
  const char* summary;
};

const std::vector<Target>& all_targets();
const std::vector<Board>& all_boards();
const Target* find_target(const std::string& name);
const Board* find_board(const std::string& name);

}  // namespace kiln
