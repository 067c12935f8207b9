/* kiln's QEMU RISC-V machine (virt) with picolibc: picolibc's semihost crt0 does the start-up;
 * this file adds the instruction counter (instret, which counts instructions exactly under
 * -icount) and output through semihosting (see kiln_qemu.h). */
#include <semihost.h>

#define KILN_READ_SP(v) __asm volatile("mv %0, sp" : "=r"(v))
#include "kiln_qemu_stack.h"

void kiln_timer_start(void) {}

uint64_t kiln_timer_ticks(void) {
  uint32_t hi, lo, hi2;
  do {
    __asm volatile("rdinstreth %0" : "=r"(hi));
    __asm volatile("rdinstret %0" : "=r"(lo));
    __asm volatile("rdinstreth %0" : "=r"(hi2));
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

void kiln_spin(uint32_t n) {
  if (n == 0) return;
  __asm volatile("1:\taddi %0, %0, -1\n\tbnez %0, 1b" : "+r"(n));
}

/* picolibc's write() passes the fd to the host as a semihosting handle; open the console. */
void kiln_write(const char* s, size_t n) {
  static int console = -1;
  if (console < 0) console = sys_semihost_open(":tt", 4 /* "w" */);
  sys_semihost_write(console, s, n);
}
