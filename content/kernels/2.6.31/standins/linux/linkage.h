/*
 * Stand-in for include/linux/linkage.h at 2.6.31 (i386), reduced to what the
 * Journey's assembler files use.  On i386 without CONFIG_X86_ALIGNMENT_16,
 * __ALIGN falls back to the generic ".align 4,0x90", so ENTRY() pads with
 * NOPs to a 4-byte boundary before the global label, exactly as the kernel.
 */
#ifndef _LINUX_LINKAGE_H
#define _LINUX_LINKAGE_H

#ifdef __ASSEMBLY__
#define __ALIGN		.align 4,0x90
#define ALIGN		__ALIGN

#define ENTRY(name) \
  .globl name; \
  ALIGN; \
  name:

#define END(name) \
  .size name, .-name
#endif

#endif /* _LINUX_LINKAGE_H */
