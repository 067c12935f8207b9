/* Start-up code for kiln's QEMU Cortex-M machines (micro:bit, MPS2, MPS3), newlib + rdimon
 * semihosting: vector table, reset (FPU on, .data copied, .bss zeroed), faults reported through
 * semihosting, and SysTick as the instruction counter (see kiln_qemu.h). Linked with
 * -nostartfiles and one of the machine linker scripts, which include cortex_m.ld. */
#include <stdlib.h>
#include <unistd.h>

#define KILN_READ_SP(v) __asm volatile("mov %0, sp" : "=r"(v))
#include "kiln_qemu_stack.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__;
extern int main(void);
extern void initialise_monitor_handles(void);

void Reset_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void);

/* exit() runs __libc_fini_array, which calls _fini; there are no crti/crtn objects. */
void _init(void) {}
void _fini(void) {}

__attribute__((section(".isr_vector"), used)) void (*const kiln_vectors[16])(void) = {
    (void (*)(void))&__stack_top__, Reset_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0,
    Fault_Handler, SysTick_Handler};

void Reset_Handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  *(volatile uint32_t*)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10 and CP11 full access */
  __asm volatile("dsb\n\tisb");
#endif
  uint32_t* s = &__data_load__;
  for (uint32_t* d = &__data_start__; d < &__data_end__;) *d++ = *s++;
  for (uint32_t* d = &__bss_start__; d < &__bss_end__;) *d++ = 0;
  initialise_monitor_handles();
  exit(main());
}

void Fault_Handler(void) {
  static const char kMsg[] = "kiln: fault (hard fault, bus or usage fault) on the target\n";
  write(2, kMsg, sizeof kMsg - 1);
  _exit(97);
}

#define KILN_SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define KILN_SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define KILN_SYST_CVR (*(volatile uint32_t*)0xE000E018u)

static volatile uint32_t kiln_wraps;

void SysTick_Handler(void) { ++kiln_wraps; }

void kiln_timer_start(void) {
  KILN_SYST_RVR = 0xFFFFFFu;
  KILN_SYST_CVR = 0;
  kiln_wraps = 0;
  KILN_SYST_CSR = 7; /* processor clock, interrupt on wrap, enabled */
  while (KILN_SYST_CVR == 0) {
  }
}

uint64_t kiln_timer_ticks(void) {
  uint32_t w, v;
  /* 0 is the one value where the wrap interrupt may or may not have been counted yet */
  do {
    w = kiln_wraps;
    v = KILN_SYST_CVR;
  } while (w != kiln_wraps || v == 0);
  return (uint64_t)w * 0x1000000u + (0xFFFFFFu - v);
}

void kiln_spin(uint32_t n) {
  if (n == 0) return;
  __asm volatile(".syntax unified\n1:\tsubs %0, %0, #1\n\tbne 1b" : "+l"(n) : : "cc");
}

void kiln_write(const char* s, size_t n) { write(1, s, n); }
