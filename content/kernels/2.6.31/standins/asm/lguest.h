/*
 * Stand-in for arch/x86/include/asm/lguest.h at 2.6.31: the constants shared
 * by Guest and Host that matter to the assembler and the Host model.
 */
#ifndef _ASM_X86_LGUEST_H
#define _ASM_X86_LGUEST_H

#define GUEST_PL		1
#define LGUEST_TRAP_ENTRY	0x1F

/* Segment selectors (asm/segment.h): GDT entries 12 and 13, RPL 1 for the Guest. */
#define __KERNEL_CS		(12*8)
#define __KERNEL_DS		(13*8)
#define FIRST_EXTERNAL_VECTOR	0x20
#define SYSCALL_VECTOR		0x80

#endif /* _ASM_X86_LGUEST_H */
