/*
 * Journey glue: what i386_head.S jumps into and runs on.  The real
 * lguest_init() is C in arch/x86/lguest/boot.c (G:029); here it is a place
 * the boot scenario can arrive at, idling without touching anything.
 * init_thread_union is the boot stack: THREAD_SIZE bytes, THREAD_SIZE aligned.
 */
#include <linux/linkage.h>
#include <asm/thread_info.h>

	.text
ENTRY(lguest_init)
	/* G:029 continues in C from here; the explorer stops at this label. */
	nop
1:	jmp 1b

	.bss
	.align THREAD_SIZE
	.globl init_thread_union
init_thread_union:
	.skip THREAD_SIZE
	.size init_thread_union, THREAD_SIZE
