/*
 * Stand-in for the generated include/asm/asm-offsets.h: the lguest entries
 * that arch/x86/kernel/asm-offsets_32.c emits at 2.6.31 for i386.
 * glue/lguest_data.S checks at assembly time that its layout agrees.
 */
#ifndef __ASM_OFFSETS_H__
#define __ASM_OFFSETS_H__

#define LGUEST_DATA_irq_enabled	0	/* offsetof(struct lguest_data, irq_enabled) */
#define LGUEST_DATA_irq_pending	20	/* offsetof(struct lguest_data, irq_pending) */
#define LGUEST_DATA_pgdir	1376	/* offsetof(struct lguest_data, pgdir) */

#endif
