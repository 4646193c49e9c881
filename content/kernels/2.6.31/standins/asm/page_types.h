/*
 * Stand-in for arch/x86/include/asm/page_32_types.h: the default i386 split,
 * kernel virtual addresses start at 3 GiB.
 */
#ifndef _ASM_X86_PAGE_TYPES_H
#define _ASM_X86_PAGE_TYPES_H

#define __PAGE_OFFSET		0xC0000000
#define PAGE_SIZE		4096

#endif
