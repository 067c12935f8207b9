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
  int simd_bytes;          // vector width the vectorising host kernels assume (runtime/kiln_simd.h); 0: none
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

// A QEMU system machine that runs generated code: how to start it, the start-up code and linker
// script (targets/qemu/) and how its timer counts under `-icount shift=0`.
struct QemuMachine {
  const char* name;            // QEMU's -M value
  const char* qemu;            // QEMU binary
  const char* qemu_args;       // besides -M, -icount and -kernel
  const char* support;         // start-up / timer file in targets/qemu/
  const char* linker_script;   // in targets/qemu/
  const char* libc_flags;      // selects the C library, when compiling and linking
  const char* link_flags;      // start files and system calls (semihosting)
  double insns_per_tick;       // executed instructions per timer tick
  const char* packages;        // Debian packages with the cross toolchain and QEMU
  const char* summary;
};

const std::vector<Target>& all_targets();
const std::vector<Board>& all_boards();
const Target* find_target(const std::string& name);
const Board* find_board(const std::string& name);
const std::vector<QemuMachine>& all_machines();
const QemuMachine* find_machine(const std::string& name);

}  // namespace kiln
