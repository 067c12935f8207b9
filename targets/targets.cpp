#include "targets/targets.h"

namespace kiln {

const std::vector<Target>& all_targets() {
  static const std::vector<Target> kTargets = {
#define KILN_CORE(name, isa, cc, flags, fpu, dsp, mve, simd, align, qemu, summary) \
  {name, isa, cc, flags, Fpu::fpu, dsp, mve, simd, align, qemu, summary},
#include "targets/cores.def"
#undef KILN_CORE
  };
  return kTargets;
}

const std::vector<Board>& all_boards() {
  static const std::vector<Board> kBoards = {
#define KILN_BOARD(name, core, ram, flash, summary) {name, core, ram, flash, summary},
#include "targets/boards.def"
#undef KILN_BOARD
  };
  return kBoards;
}

const std::vector<QemuMachine>& all_machines() {
  static const std::vector<QemuMachine> kMachines = {
#define KILN_MACHINE(name, qemu, args, support, ld, libc, link, ipt, packages, summary) \
  {name, qemu, args, support, ld, libc, link, ipt, packages, summary},
#include "targets/machines.def"
#undef KILN_MACHINE
  };
  return kMachines;
}

const QemuMachine* find_machine(const std::string& name) {
  for (const QemuMachine& m : all_machines())
    if (name == m.name) return &m;
  return nullptr;
}

const Target* find_target(const std::string& name) {
  for (const Target& t : all_targets())
    if (name == t.name) return &t;
  return nullptr;
}

const Board* find_board(const std::string& name) {
  for (const Board& b : all_boards())
    if (name == b.name) return &b;
  return nullptr;
}

}  // namespace kiln
