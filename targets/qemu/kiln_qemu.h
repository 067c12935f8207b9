/* kiln_qemu.h: what the `kiln verify` harness needs from the machine it runs on.
 *
 * One implementation per family: kiln_qemu_cortex_m.c (vector table, reset, SysTick),
 * kiln_qemu_riscv.c (picolibc's crt0, the instret counter) and kiln_qemu_host.c (the build
 * machine, for comparing the same generated code). Output goes through semihosting `write`. */
#ifndef KILN_QEMU_H_
#define KILN_QEMU_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Starts the free-running timer. Under `qemu -icount shift=0` a tick is a fixed number of
 * executed instructions (the machine's row in targets/machines.def). */
void kiln_timer_start(void);
uint64_t kiln_timer_ticks(void);
/* Executes exactly 2 * n instructions (a two-instruction loop), to calibrate the timer. */
void kiln_spin(uint32_t n);
/* Fills the stack below the caller's frame with a pattern; kiln_stack_peak() then returns how
 * many bytes of it were overwritten since (the deepest stack use of what ran in between). */
void kiln_stack_paint(void);
uint32_t kiln_stack_peak(void);
void kiln_write(const char* s, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* KILN_QEMU_H_ */
