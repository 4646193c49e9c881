/*
 * Journey glue: struct lguest_data as the 2.6.31 Guest lays it out
 * (include/linux/lguest.h) and as arch/x86/lguest/boot.c initialises it.
 * Every field sits at its real i386 offset; the assembler refuses to build
 * if the layout drifts from <asm/asm-offsets.h>.
 */
#include <linux/linkage.h>
#include <asm/asm-offsets.h>
#include <asm/page_types.h>
#include <asm/lguest.h>

	.data
	.align 4
	.globl lguest_data
lguest_data:
	.long 0			/*    0 irq_enabled: boot.c leaves it 0 */
	.long 1			/*    4 blocked_interrupts: timer (irq 0) blocked until lguest_time_init */
	.long 0			/*    8 cr2 */
	.long 0, 0		/*   12 time: tv_sec, tv_nsec (written by the Host) */
.Llguest_data_irq_pending:
	.long 0			/*   20 irq_pending (written by the Host) */
	.fill 64, 1, 0xff	/*   24 hcall_status[64]: 0xFF = slot free */
	.fill 64*5, 4, 0	/*   88 hcalls[64]: 5 words each */
	.long 0			/* 1368 reserve_mem (written by the Host) */
	.long 0			/* 1372 tsc_khz (written by the Host) */
.Llguest_data_pgdir:
	.long 0			/* 1376 pgdir (written by the Host) */
	.long lguest_noirq_start /* 1380 noirq_start */
	.long lguest_noirq_end	/* 1384 noirq_end */
	.long __PAGE_OFFSET	/* 1388 kernel_address */
	.long SYSCALL_VECTOR	/* 1392 syscall_vec */
.Llguest_data_end:
	.size lguest_data, .Llguest_data_end - lguest_data

	.if (.Llguest_data_irq_pending - lguest_data) - LGUEST_DATA_irq_pending
	.error "lguest_data.irq_pending is not at LGUEST_DATA_irq_pending"
	.endif
	.if (.Llguest_data_pgdir - lguest_data) - LGUEST_DATA_pgdir
	.error "lguest_data.pgdir is not at LGUEST_DATA_pgdir"
	.endif
	.if (.Llguest_data_end - lguest_data) - 1396
	.error "struct lguest_data must be 1396 bytes on i386"
	.endif
