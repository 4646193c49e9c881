/*
 * Stand-in for the headers arch/x86/lguest/boot.c includes at 2.6.31, for the
 * functions glue/boot_c.toml extracts from it.  Types, constants and layouts
 * are the kernel's (each layout checked below at compile time); helpers that
 * the kernel writes as static inline functions are written as macros here, so
 * that gcc's line table gives every instruction to the boot.c line that used
 * the helper (an inline function would give it to this header's lines).
 *
 * Configuration modelled: i386, !CONFIG_SMP (LOCK_PREFIX empty),
 * !CONFIG_X86_PAE (2-level page tables), CONFIG_PARAVIRT, !CONFIG_X86_LOCAL_APIC
 * for the extracts (the apic ops are not compiled).
 */
#ifndef _JOURNEY_BOOT_C_H
#define _JOURNEY_BOOT_C_H

#include <asm/page_types.h>
#include <asm/thread_info.h>
#include <asm/processor-flags.h>
#include <asm/lguest.h>
#include <asm/lguest_hcall.h>
#include <linux/lguest.h>

/* linux/types.h, asm/types.h (ILP32) */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef u64 cycle_t;
typedef _Bool bool;
#define false 0
#define true 1
#define NULL ((void *)0)
#define INT_MAX ((int)(~0U >> 1))
#define ULONG_MAX (~0UL)

_Static_assert(sizeof(long) == 4 && sizeof(void *) == 4, "i386 is ILP32");

/* linux/compiler.h, linux/kernel.h, linux/stddef.h */
#define __init __attribute__((__section__(".init.text")))
#define __used __attribute__((__used__))
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" : : : "memory")
#define offsetof(t, m) __builtin_offsetof(t, m)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)
#define KERN_DEBUG "<7>"
#define ETIME 62                   /* asm-generic/errno.h */
#define NOTIFY_DONE 0x0000         /* linux/notifier.h */

/*
 * asm/system.h: rmb()/wmb() are alternative("lock; addl $0,0(%esp)", "lfence"/
 * "sfence", X86_FEATURE_XMM2/XMM); the explorer applies no alternatives, so the
 * unpatched locked add is what runs.
 */
#define rmb() __asm__ __volatile__("lock; addl $0,0(%%esp)" : : : "memory")
#define wmb() __asm__ __volatile__("lock; addl $0,0(%%esp)" : : : "memory")
#define BUG() __asm__ __volatile__("ud2")

/* asm/page.h, asm/page_types.h, asm/pgtable-2level_types.h (!PAE) */
#define PAGE_OFFSET ((unsigned long)__PAGE_OFFSET)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define __pa(x) ((unsigned long)(x) - PAGE_OFFSET)
typedef unsigned long pteval_t;
typedef unsigned long pgdval_t;
typedef union { pteval_t pte; pteval_t pte_low; } pte_t;
typedef struct { pgdval_t pgd; } pgd_t;
typedef struct { pgd_t pgd; } pud_t;      /* asm-generic/pgtable-nopud.h */
typedef struct { pud_t pud; } pmd_t;      /* asm-generic/pgtable-nopmd.h */
#define __pmd(x) ((pmd_t) { { { (x) } } })
#define native_set_pte(ptep, pte) (*(ptep) = (pte))
#define native_set_pmd(pmdp, pmd) (*(pmdp) = (pmd))
_Static_assert(sizeof(pte_t) == 4 && sizeof(pmd_t) == 4, "2-level page table entries are one word");

/* asm/desc_defs.h, asm/desc.h */
struct desc_struct { unsigned int a, b; };
typedef struct desc_struct gate_desc;
struct desc_ptr { unsigned short size; unsigned long address; } __attribute__((packed));
#define native_write_idt_entry(idt, entry, gate) \
	__builtin_memcpy(&(idt)[entry], (gate), sizeof(*(gate)))
#define native_write_gdt_entry(gdt, entry, desc, type) \
	__builtin_memcpy(&(gdt)[entry], (desc), 8)
_Static_assert(sizeof(gate_desc) == 8 && sizeof(struct desc_ptr) == 6, "descriptor layouts");

/* asm/processor.h: struct thread_struct begins with the TLS descriptors and sp0. */
#define GDT_ENTRY_TLS_ENTRIES 3
struct thread_struct {
	struct desc_struct tls_array[GDT_ENTRY_TLS_ENTRIES];
	unsigned long sp0;
	unsigned long sp;
	unsigned long sysenter_cs;
	unsigned long ip;
	unsigned long gs;
};
_Static_assert(offsetof(struct thread_struct, tls_array) == 0, "tls_array first");
_Static_assert(offsetof(struct thread_struct, sp0) == 24, "sp0 after three descriptors");

/*
 * linux/mm_types.h: the Guest only reads mm->pgd.  Before it come mmap, mm_rb,
 * mmap_cache, get_unmapped_area, unmap_area, mmap_base, task_size,
 * cached_hole_size and free_area_cache: nine words on i386 (derived).
 */
struct mm_struct { unsigned long before_pgd[9]; pgd_t *pgd; };
_Static_assert(offsetof(struct mm_struct, pgd) == 36, "mm->pgd at its i386 offset");

struct task_struct;
struct tss_struct;
struct clocksource;
struct notifier_block;
struct clock_event_device;

/* linux/clockchips.h */
enum clock_event_mode {
	CLOCK_EVT_MODE_UNUSED = 0, CLOCK_EVT_MODE_SHUTDOWN, CLOCK_EVT_MODE_PERIODIC,
	CLOCK_EVT_MODE_ONESHOT, CLOCK_EVT_MODE_RESUME,
};

/* asm/processor-flags.h */
#define X86_CR0_TS 0x00000008

/* asm/segment.h */
#define __KERNEL_DS_SELECTOR __KERNEL_DS

/* linux/lguest.h: struct lguest_data, checked against the offsets glue/lguest_data.S lays out. */
struct hcall_args { unsigned long arg0, arg1, arg2, arg3, arg4; };
struct timespec { long tv_sec; long tv_nsec; };
#define LGUEST_IRQS 32
struct lguest_data {
	unsigned int irq_enabled;
	unsigned long blocked_interrupts[(LGUEST_IRQS + 31) / 32];
	unsigned long cr2;
	struct timespec time;
	int irq_pending;
	u8 hcall_status[LHCALL_RING_SIZE];
	struct hcall_args hcalls[LHCALL_RING_SIZE];
	unsigned long reserve_mem;
	u32 tsc_khz;
	unsigned long pgdir;
	unsigned long noirq_start;
	unsigned long noirq_end;
	unsigned long kernel_address;
	unsigned int syscall_vec;
};
_Static_assert(offsetof(struct lguest_data, blocked_interrupts) == 4, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, cr2) == 8, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, time) == 12, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, irq_pending) == 20, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, hcall_status) == 24, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, hcalls) == 88, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, reserve_mem) == 1368, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, tsc_khz) == 1372, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, pgdir) == 1376, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, noirq_start) == 1380, "lguest_data layout");
_Static_assert(offsetof(struct lguest_data, syscall_vec) == 1392, "lguest_data layout");
_Static_assert(sizeof(struct lguest_data) == 1396, "struct lguest_data is 1396 bytes on i386");
/* Defined by glue/lguest_data.S with boot.c's initializer (the image keeps the assembler's layout). */
extern struct lguest_data lguest_data;

/* i386_head.S (boot.c declares lg_irq_enable and lg_restore_fl itself, after G:032) */
extern void lg_irq_enable(void);
extern void lg_restore_fl(unsigned long flags);
extern const char lgstart_cli[], lgend_cli[], lgstart_pushf[], lgend_pushf[];
extern const char lguest_noirq_start[], lguest_noirq_end[];

/* asm/kvm_para.h: kvm_hypercall0..4, the Guest's vmcall with eax = call, ebx, ecx, edx, esi. */
#define kvm_hypercall0(nr) ({ long __r; __asm__ __volatile__(KVM_HYPERCALL \
	: "=a"(__r) : "a"(nr) : "memory"); __r; })
#define kvm_hypercall1(nr, p1) ({ long __r; __asm__ __volatile__(KVM_HYPERCALL \
	: "=a"(__r) : "a"(nr), "b"(p1) : "memory"); __r; })
#define kvm_hypercall2(nr, p1, p2) ({ long __r; __asm__ __volatile__(KVM_HYPERCALL \
	: "=a"(__r) : "a"(nr), "b"(p1), "c"(p2) : "memory"); __r; })
#define kvm_hypercall3(nr, p1, p2, p3) ({ long __r; __asm__ __volatile__(KVM_HYPERCALL \
	: "=a"(__r) : "a"(nr), "b"(p1), "c"(p2), "d"(p3) : "memory"); __r; })
#define kvm_hypercall4(nr, p1, p2, p3, p4) ({ long __r; __asm__ __volatile__(KVM_HYPERCALL \
	: "=a"(__r) : "a"(nr), "b"(p1), "c"(p2), "d"(p3), "S"(p4) : "memory"); __r; })

/*
 * asm/paravirt_types.h: the ops structures the Guest fills in (lguest_init, G:029),
 * in the order of struct paravirt_patch_template.  Only pv_irq_ops is laid out
 * member by member; the structures before it are opaque here, so PARAVIRT_PATCH
 * numbers are indexes into this stand-in template, not the real kernel's.
 */
struct pv_irq_ops {
	void (*init_IRQ)(void);
	void *save_fl;            /* struct paravirt_callee_save { void *func; } */
	void *restore_fl;
	void *irq_disable;
	void *irq_enable;
	void (*safe_halt)(void);
	void (*halt)(void);
};
struct paravirt_patch_template {
	void *pv_init_ops[1];     /* patch */
	struct pv_irq_ops pv_irq_ops;
};
#define PARAVIRT_PATCH(x) (offsetof(struct paravirt_patch_template, x) / sizeof(void *))
enum paravirt_lazy_mode { PARAVIRT_LAZY_NONE, PARAVIRT_LAZY_MMU, PARAVIRT_LAZY_CPU };
extern struct pv_irq_ops pv_irq_ops;

/*
 * asm/paravirt.h: a paravirt call site is "call *pv_irq_ops.op" (6 bytes), recorded in
 * .parainstructions {instr, instrtype, len, clobbers} so apply_paravirt() can let
 * pv_init_ops.patch (lguest_patch, G:060) rewrite it.  The callee-save ops clobber
 * only eax and edx (PVOP_CALLEE_CLOBBERS on i386).
 */
#define CLBR_EAX (1 << 0)
#define CLBR_EDX (1 << 2)
#define __PV_SITE(type, clobbers) \
	"771:\n\tcall *%c[op]\n772:\n" \
	".pushsection .parainstructions,\"a\"\n .balign 4\n .long 771b\n" \
	" .byte " __stringify(type) "\n .byte 772b-771b\n .short " __stringify(clobbers) "\n.popsection\n"
#define __PV_IRQ_SAVE_FL 2
#define __PV_IRQ_RESTORE_FL 3
#define __PV_IRQ_DISABLE 4
_Static_assert(PARAVIRT_PATCH(pv_irq_ops.save_fl) == __PV_IRQ_SAVE_FL, "patch type numbers");
_Static_assert(PARAVIRT_PATCH(pv_irq_ops.restore_fl) == __PV_IRQ_RESTORE_FL, "patch type numbers");
_Static_assert(PARAVIRT_PATCH(pv_irq_ops.irq_disable) == __PV_IRQ_DISABLE, "patch type numbers");
#define __raw_local_save_flags() ({ unsigned long __eax, __edx; \
	__asm__ __volatile__(__PV_SITE(__PV_IRQ_SAVE_FL, CLBR_EAX | CLBR_EDX) \
	: "=a"(__eax), "=d"(__edx) : [op] "i"(&pv_irq_ops.save_fl) : "memory", "cc"); __eax; })
#define raw_local_irq_disable() ({ unsigned long __eax, __edx; \
	__asm__ __volatile__(__PV_SITE(__PV_IRQ_DISABLE, CLBR_EAX | CLBR_EDX) \
	: "=a"(__eax), "=d"(__edx) : [op] "i"(&pv_irq_ops.irq_disable) : "memory", "cc"); })
#define raw_local_irq_restore(f) ({ unsigned long __eax = (f), __edx; \
	__asm__ __volatile__(__PV_SITE(__PV_IRQ_RESTORE_FL, CLBR_EAX | CLBR_EDX) \
	: "+a"(__eax), "=d"(__edx) : [op] "i"(&pv_irq_ops.restore_fl) : "memory", "cc"); })
#define local_irq_save(flags) do { (flags) = __raw_local_save_flags(); raw_local_irq_disable(); } while (0)
#define local_irq_restore(flags) raw_local_irq_restore(flags)

/*
 * asm/paravirt.h under __ASSEMBLY__ (i386), as entry_32.S uses it: DISABLE_INTERRUPTS(clobbers)
 * is a PARA_SITE around "call *%cs:pv_irq_ops+PV_IRQ_irq_disable" that first pushes (PV_SAVE_REGS)
 * each of eax, edi, ecx, edx the site may not lose and the call may clobber, and pops them after.
 * Here as C strings of the same GAS text (.if/.endif included), for a basic asm() in glue.
 * CLBR_* and CLBR_CALLEE_SAVE are asm/paravirt_types.h's for i386 (CLBR_RET_REG is eax|edx there).
 */
#define CLBR_ECX (1 << 1)
#define CLBR_EDI (1 << 3)
#define CLBR_CALLEE_SAVE (((CLBR_EAX | CLBR_EDX | CLBR_ECX) | 0) & ~(CLBR_EAX | CLBR_EDX))
#define PV_IRQ_irq_disable 12     /* asm-offsets_32.c: OFFSET(PV_IRQ_irq_disable, pv_irq_ops, irq_disable) */
_Static_assert(offsetof(struct pv_irq_ops, irq_disable) == PV_IRQ_irq_disable, "asm-offsets");
#define COND_PUSH(set, mask, reg) ".if ((~(" __stringify(set) ")) & " __stringify(mask) "); push %" #reg "; .endif\n"
#define COND_POP(set, mask, reg) ".if ((~(" __stringify(set) ")) & " __stringify(mask) "); pop %" #reg "; .endif\n"
#define PV_SAVE_REGS(set) COND_PUSH(set, CLBR_EAX, eax) COND_PUSH(set, CLBR_EDI, edi) \
	COND_PUSH(set, CLBR_ECX, ecx) COND_PUSH(set, CLBR_EDX, edx)
#define PV_RESTORE_REGS(set) COND_POP(set, CLBR_EDX, edx) COND_POP(set, CLBR_ECX, ecx) \
	COND_POP(set, CLBR_EDI, edi) COND_POP(set, CLBR_EAX, eax)
#define PARA_SITE(ptype, clobbers, ops) "771:\n" ops "772:\n" \
	".pushsection .parainstructions,\"a\"\n .balign 4\n .long 771b\n .byte " __stringify(ptype) \
	"\n .byte 772b-771b\n .short " __stringify(clobbers) "\n.popsection\n"
#define DISABLE_INTERRUPTS(clobbers) \
	PARA_SITE(__PV_IRQ_DISABLE, clobbers, PV_SAVE_REGS(clobbers | CLBR_CALLEE_SAVE) \
		  "call *%cs:pv_irq_ops+" __stringify(PV_IRQ_irq_disable) "\n" \
		  PV_RESTORE_REGS(clobbers | CLBR_CALLEE_SAVE))

/*
 * PV_CALLEE_SAVE_REGS_THUNK (asm/paravirt.h, i386): "pushl %ecx; call func; popl %ecx; ret".
 * The kernel emits it as a top-level asm() in .text, which gets no line-table row from gcc;
 * here it is a naked function holding the same asm, so its bytes belong to the boot.c line
 * that expands the macro.  (The kernel also declares it `extern typeof(func)`; a naked
 * function cannot take func's type, so it is declared void(void).)
 */
#define PV_CALLEE_SAVE_REGS_THUNK(func) \
	static void *__##func##__ __used = func; \
	__attribute__((naked, used)) void __raw_callee_save_##func(void) \
	{ __asm__("pushl %ecx\n\tcall " #func "\n\tpopl %ecx\n\tret"); }

/* Out-of-line kernel functions boot.c calls (glue/boot_c_glue.c stands in for them). */
enum paravirt_lazy_mode paravirt_get_lazy_mode(void);
void paravirt_leave_lazy_mmu(void);
void paravirt_end_context_switch(struct task_struct *next);
unsigned paravirt_patch_default(u8 type, u16 clobbers, void *insnbuf, unsigned long addr, unsigned len);
int printk_ratelimit(void);
int printk(const char *fmt, ...);

/*
 * asm/bitops.h set_bit/clear_bit: a constant bit number becomes "orb"/"andb" on the
 * byte holding it (CONST_MASK), otherwise "bts"/"btr"; LOCK_PREFIX is empty on UP.
 */
#define set_bit(nr, addr) ({ \
	if (__builtin_constant_p(nr)) \
		__asm__ __volatile__("orb %1,%0" : "+m"(*((volatile char *)(addr) + ((nr) >> 3))) \
			: "iq"((u8)(1 << ((nr) & 7))) : "memory"); \
	else \
		__asm__ __volatile__("bts %1,%0" : "+m"(*(volatile long *)(addr)) : "Ir"(nr) : "memory"); })
#define clear_bit(nr, addr) ({ \
	if (__builtin_constant_p(nr)) \
		__asm__ __volatile__("andb %1,%0" : "+m"(*((volatile char *)(addr) + ((nr) >> 3))) \
			: "iq"((u8)~(1 << ((nr) & 7)))); \
	else \
		__asm__ __volatile__("btr %1,%0" : "+m"(*(volatile long *)(addr)) : "Ir"(nr)); })

/* asm/processor.h native_cpuid: the real instruction, ecx in as well as out. */
#define native_cpuid(eax, ebx, ecx, edx) \
	__asm__ __volatile__("cpuid" : "=a"(*(eax)), "=b"(*(ebx)), "=c"(*(ecx)), "=d"(*(edx)) \
		: "0"(*(eax)), "2"(*(ecx)))

/* asm/system.h lazy_load_gs (i386): loadsegment(gs, v). */
#define lazy_load_gs(v) __asm__ __volatile__("movl %k0,%%gs" : : "rm"(v))

/*
 * asm/string_32.h: memcpy with a constant length is __constant_memcpy (plain moves);
 * otherwise __memcpy: "rep movsl" for the words, then the 0-3 trailing bytes.
 */
#define memcpy(to, from, n) (__builtin_constant_p(n) ? __builtin_memcpy((to), (from), (n)) : ({ \
	int __d0, __d1, __d2; void *__to = (to); unsigned long __n = (n); \
	__asm__ __volatile__("rep ; movsl\n\tmovl %4,%%ecx\n\tandl $3,%%ecx\n\tjz 1f\n\trep ; movsb\n1:" \
		: "=&c"(__d0), "=&D"(__d1), "=&S"(__d2) \
		: "0"(__n / 4), "g"(__n), "1"((long)__to), "2"((long)(from)) : "memory"); __to; }))

#endif /* _JOURNEY_BOOT_C_H */
