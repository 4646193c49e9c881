/*
 * Stand-in for arch/x86/include/asm/thread_info.h at 2.6.31 (i386, without
 * CONFIG_4KSTACKS): the kernel stack is two pages.  The real header reaches
 * __PAGE_OFFSET through <asm/page.h>; so does this one.
 */
#ifndef _ASM_X86_THREAD_INFO_H
#define _ASM_X86_THREAD_INFO_H

#include <asm/page_types.h>

#define THREAD_SIZE		8192

#endif
