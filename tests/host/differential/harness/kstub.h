/*
 * Stand-in for the parts of the 2.6.31 kernel API that the lguest Host files use, so that
 * drivers/lguest/{interrupts_and_traps,hypercalls,segments}.c and functions cut verbatim from
 * core.c, x86/core.c and page_tables.c compile for i386 (gcc -m32 -ffreestanding) and run in a
 * Unicorn engine with the differential harness.  Nothing here is kernel text: every header under
 * include/ that the kernel files name is a one-line file that includes this one.
 *
 * What is real and what is stood in is listed in ARCHITECTURE.md ("Differential testing").
 */
#ifndef HARNESS_KSTUB_H
#define HARNESS_KSTUB_H

/* --- types (ILP32, as the i386 kernel) ------------------------------------------------------ */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef unsigned int size_t;
typedef int ssize_t;
typedef _Bool bool;
typedef u32 phys_addr_t;
enum { false = 0, true = 1 };
#define NULL ((void *)0)
#define offsetof(t, m) __builtin_offsetof(t, m)

#define __user
#define __init
#define __exit
#define __iomem
#define __read_mostly
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define BUG_ON(c) do { if (c) h_bug(__LINE__); } while (0)
#define BUG() h_bug(__LINE__)
#define typecheck(type, x) ({ type __dummy; __typeof__(x) __dummy2; (void)(&__dummy == &__dummy2); 1; })
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define module_param(name, type, perm)
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define EXPORT_SYMBOL(x)
#define KERN_ERR ""
#define KERN_INFO ""

/* --- errno, ERR_PTR --------------------------------------------------------------------------- */
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define ERESTART 85
#define ERESTARTSYS 512
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline long IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
#define GFP_KERNEL 0
#define GFP_ATOMIC 1

/* --- x86 constants (asm/page_types.h, segment.h, irq_vectors.h, processor-flags.h) ---------- */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_OFFSET 0xC0000000UL
#define PGDIR_SHIFT 22
#define PTRS_PER_PGD 1024
#define pgd_index(address) (((address) >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1))
#define IDT_ENTRIES 256
#define GDT_ENTRIES 32
#define GDT_SIZE (GDT_ENTRIES * 8)
#define GDT_ENTRY_TLS_ENTRIES 3
#define GDT_ENTRY_TLS_MIN 6
#define GDT_ENTRY_TLS_MAX (GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES - 1)
#define GDT_ENTRY_KERNEL_CS 12
#define GDT_ENTRY_KERNEL_DS 13
#define GDT_ENTRY_TSS 16
#define GDT_ENTRY_DOUBLEFAULT_TSS 31
#define __KERNEL_CS (GDT_ENTRY_KERNEL_CS * 8)
#define __KERNEL_DS (GDT_ENTRY_KERNEL_DS * 8)
#define FIRST_EXTERNAL_VECTOR 0x20
#define SYSCALL_VECTOR 0x80
#define NR_IRQS 224             /* > 32, so LGUEST_IRQS is 32 as on any X86_IO_APIC Host */
#define NR_CPUS 1
#define X86_EFLAGS_IF 0x00000200

/* --- bitmaps (include/linux/bitmap.h, asm/bitops.h) ------------------------------------------ */
#define BITS_PER_LONG 32
#define BITS_TO_LONGS(n) DIV_ROUND_UP(n, BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]
static inline void set_bit(int nr, volatile unsigned long *addr) { addr[nr / 32] |= 1UL << (nr % 32); }
static inline void clear_bit(int nr, volatile unsigned long *addr) { addr[nr / 32] &= ~(1UL << (nr % 32)); }
static inline int test_bit(int nr, const volatile unsigned long *addr) { return (addr[nr / 32] >> (nr % 32)) & 1; }
static inline void bitmap_andnot(unsigned long *dst, const unsigned long *a, const unsigned long *b, int bits)
{
	int i;
	for (i = 0; i < BITS_TO_LONGS(bits); i++)
		dst[i] = a[i] & ~b[i];
}
/* lib/find_next_bit.c (GENERIC_FIND_NEXT_BIT): the index of the next set bit, or size. */
unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long offset);
#define find_first_bit(addr, size) find_next_bit((addr), (size), 0)

/* --- descriptors (asm/desc_defs.h, asm/processor.h) ----------------------------------------- */
struct desc_struct {
	union {
		struct { unsigned int a; unsigned int b; };
		struct { u16 limit0; u16 base0; unsigned base1: 8, type: 4, s: 1, dpl: 2, p: 1;
			 unsigned limit: 4, avl: 1, l: 1, d: 1, g: 1, base2: 8; };
	};
} __attribute__((packed));
struct desc_ptr { unsigned short size; unsigned long address; } __attribute__((packed));
struct x86_hw_tss {
	unsigned short back_link, __blh;
	unsigned long sp0; unsigned short ss0, __ss0h;
	unsigned long sp1; unsigned short ss1, __ss1h;
	unsigned long sp2; unsigned short ss2, __ss2h;
	unsigned long __cr3, ip, flags, ax, cx, dx, bx, sp, bp, si, di;
	unsigned short es, __esh, cs, __csh, ss, __ssh, ds, __dsh, fs, __fsh, gs, __gsh, ldt, __ldth;
	unsigned short trace, io_bitmap_base;
} __attribute__((packed));

/* --- time, hrtimer (linux/time.h, ktime.h, hrtimer.h): the model's clock, see stubs.c ------- */
struct timespec { long tv_sec; long tv_nsec; };
typedef s64 ktime_t;
enum hrtimer_restart { HRTIMER_NORESTART, HRTIMER_RESTART };
enum hrtimer_mode { HRTIMER_MODE_ABS, HRTIMER_MODE_REL };
#define CLOCK_REALTIME 0
struct hrtimer { enum hrtimer_restart (*function)(struct hrtimer *); ktime_t expires; };
void ktime_get_real_ts(struct timespec *ts);
ktime_t ktime_get_real(void);
#define ktime_add_ns(kt, ns) ((kt) + (ns))
int hrtimer_cancel(struct hrtimer *timer);
int hrtimer_start(struct hrtimer *timer, ktime_t tim, enum hrtimer_mode mode);
void hrtimer_init(struct hrtimer *timer, int clock_id, enum hrtimer_mode mode);

/* --- user copies over the harness's guest memory (stubs.c) ---------------------------------- */
unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);
unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);
#define get_user(x, ptr) ({ __typeof__(*(ptr)) __gu_v; \
	unsigned long __gu_e = copy_from_user(&__gu_v, (ptr), sizeof(__gu_v)); \
	if (__gu_e) __gu_v = 0; (x) = __gu_v; __gu_e ? -EFAULT : 0; })
#define put_user(x, ptr) ({ __typeof__(*(ptr)) __pu_v = (x); \
	copy_to_user((ptr), &__pu_v, sizeof(__pu_v)) ? -EFAULT : 0; })

/* --- everything else the files name ---------------------------------------------------------- */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
char *kasprintf(int gfp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int printk(const char *fmt, ...);
void h_bug(int line);
struct lg_cpu;
struct task_struct;
struct mm_struct;
struct page;
struct eventfd_ctx;
struct mutex { int locked; };
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { unsigned long pte; } pte_t;
#define __pte(x) ((pte_t){ (x) })
#define pgd_val(x) ((x).pgd)
int wake_up_process(struct task_struct *tsk);
void kick_process(struct task_struct *tsk);
void cond_resched(void);
extern unsigned long used_vectors[];
int vector_used_by_percpu_irq(unsigned int vector);
bool send_notify_to_eventfd(struct lg_cpu *cpu);
extern unsigned long tsc_khz;
#define X86_FEATURE_CONSTANT_TSC 0
int boot_cpu_has(int feature);
int check_tsc_unstable(void);

#endif
