/* Start-up code for QEMU's mps2-an386 (Cortex-M4F) with newlib and semihosting (rdimon): the
 * vector table, and a reset handler that turns the FPU on, copies .data, zeroes .bss, opens the
 * semihosting console and runs main(). Linked with -nostartfiles and link.ld. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__;
extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

void Reset_Handler(void);
void Fault_Handler(void);

/* exit() runs __libc_fini_array, which calls _fini; there are no crti/crtn objects. */
void _init(void) {}
void _fini(void) {}

__attribute__((section(".isr_vector"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_top__, Reset_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0,
    Fault_Handler, Fault_Handler};

void Reset_Handler(void) {
  /* CPACR: full access to CP10 and CP11, the FPU; hard-float code faults until this is set */
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
  __asm volatile("dsb\n\tisb");
  uint32_t *src = &__data_load__;
  for (uint32_t *dst = &__data_start__; dst < &__data_end__;) *dst++ = *src++;
  for (uint32_t *dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

void Fault_Handler(void) {
  static const char kMsg[] = "fault (hard fault, bus or usage fault)\n";
  write(2, kMsg, sizeof kMsg - 1);
  _exit(99);
}
