/*
 * Stand-in for include/linux/lguest.h at 2.6.31.  The assembler side needs
 * nothing from it: struct lguest_data is only visible to C, and its offsets
 * reach i386_head.S through <asm/asm-offsets.h>.  The layout it describes is
 * reproduced field by field in glue/lguest_data.S:
 *
 *   0 irq_enabled   4 blocked_interrupts   8 cr2   12 time (tv_sec, tv_nsec)
 *  20 irq_pending  24 hcall_status[64]     88 hcalls[64] (5 x u32 each)
 * 1368 reserve_mem 1372 tsc_khz 1376 pgdir 1380 noirq_start 1384 noirq_end
 * 1388 kernel_address 1392 syscall_vec      size 1396
 */
#ifndef _LINUX_LGUEST_H
#define _LINUX_LGUEST_H

#include <asm/lguest.h>

#define LG_CLOCK_MIN_DELTA	100UL
#define LG_CLOCK_MAX_DELTA	ULONG_MAX

#endif /* _LINUX_LGUEST_H */
