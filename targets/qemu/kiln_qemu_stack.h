/* Stack painting shared by the machine files (each defines KILN_READ_SP before including it).
 * kiln_stack_paint() fills up to kKilnPaintBytes below its own stack pointer (never below the
 * heap's current end) with a pattern; kiln_stack_peak() returns the distance from that stack
 * pointer to the deepest overwritten word: the stack depth of what ran in between, measured
 * from the caller's stack pointer less kiln_stack_paint's own frame (a few bytes). */
#include <unistd.h>

#include "kiln_qemu.h"

enum { kKilnPaintBytes = 64 * 1024 };
static const uint32_t kKilnPaint = 0xA5C3E1F0u;
static uintptr_t kiln_paint_top;
static uint32_t* kiln_paint_lo;

__attribute__((noinline)) void kiln_stack_paint(void) {
  uintptr_t sp;
  KILN_READ_SP(sp);
  kiln_paint_top = sp & ~(uintptr_t)3;
  uintptr_t lo = ((uintptr_t)sbrk(0) + 19) & ~(uintptr_t)3;
  if (lo > kiln_paint_top) lo = kiln_paint_top;
  if (kiln_paint_top - lo > kKilnPaintBytes) lo = kiln_paint_top - kKilnPaintBytes;
  kiln_paint_lo = (uint32_t*)lo;
  /* a leaf with no locals in memory: nothing of this function lives below sp */
  for (volatile uint32_t* p = kiln_paint_lo; p < (uint32_t*)kiln_paint_top; ++p) *p = kKilnPaint;
}

uint32_t kiln_stack_peak(void) {
  const uint32_t* p = kiln_paint_lo;
  while (p < (const uint32_t*)kiln_paint_top && *p == kKilnPaint) ++p;
  return (uint32_t)(kiln_paint_top - (uintptr_t)p);
}
