/*
 * Implementations behind kstub.h: user copies over the harness's guest memory, kasprintf (a small
 * vsnprintf with lib/vsprintf.c's rules for the conversions lguest uses), the model clock, and the
 * page-table and timer functions the Host calls but the model does not follow (they record calls).
 */
#include "harness.h"
#include "lg.h"

static int in_guest(unsigned long addr, unsigned long n)
{
	unsigned long base = h_io.mem_base, end = h_io.mem_base + h_io.mem_size;
	return addr >= base && addr + n >= addr && addr + n <= end;
}

/* All or nothing: the model's GuestView faults a whole access that leaves guest memory. */
unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	if (!in_guest((unsigned long)from, n)) {
		memset(to, 0, n);
		return n;
	}
	memcpy(to, (const void *)from, n);
	return 0;
}

unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	if (!in_guest((unsigned long)to, n))
		return n;
	memcpy((void *)to, from, n);
	return 0;
}

/* Word at a time where both ends allow it: the emulator runs a compiled loop far faster than
 * `rep movs`, which it executes one iteration per translated block. */
void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;
	if (!(((unsigned long)p | n) & 3)) {
		u32 w = (u8)c * 0x01010101u, *wp = s;
		for (n /= 4; n; n--)
			*wp++ = w;
		return s;
	}
	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (!(((unsigned long)dp | (unsigned long)sp | n) & 3)) {
		u32 *dw = d;
		const u32 *sw = s;
		for (n /= 4; n; n--)
			*dw++ = *sw++;
		return d;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long offset)
{
	for (; offset < size; offset++)
		if (test_bit(offset, addr))
			return offset;
	return size;
}

/* --- kasprintf: %s %c %d %i %u %x %p with '#', '0', width and 'l', as lib/vsprintf.c prints ---- */
struct out { char *buf; int len; };

static void put(struct out *o, char c)
{
	if (o->len < H_MSG - 1)
		o->buf[o->len++] = c;
}

static void number(struct out *o, unsigned long v, int base, int neg, int alt, int zero, int width)
{
	char tmp[16];
	int n = 0, pre = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		pre = 1;
	if (alt && base == 16)
		pre = 2;
	if (!zero)
		for (; width > n + pre; width--)
			put(o, ' ');
	if (neg)
		put(o, '-');
	if (alt && base == 16) {
		put(o, '0');
		put(o, 'x');
	}
	if (zero)
		for (; width > n + pre; width--)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
}

static char msgs[H_MAX_KILLS][H_MSG];
static int nmsgs;

char *kasprintf(int gfp, const char *fmt, ...)
{
	__builtin_va_list ap;
	struct out o;
	if (nmsgs == H_MAX_KILLS)
		return NULL;
	o.buf = msgs[nmsgs++];
	o.len = 0;
	__builtin_va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int alt = 0, zero = 0, width = 0;
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '#') alt = 1;
			else if (*fmt == '0') zero = 1;
			else break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l')
			fmt++;
		switch (*fmt) {
		case 's': {
			const char *s = __builtin_va_arg(ap, const char *);
			while (*s)
				put(&o, *s++);
			break;
		}
		case 'd': case 'i': {
			long v = __builtin_va_arg(ap, long);
			number(&o, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, v < 0, 0, zero, width);
			break;
		}
		case 'u':
			number(&o, __builtin_va_arg(ap, unsigned long), 10, 0, 0, zero, width);
			break;
		case 'x': {
			unsigned long v = __builtin_va_arg(ap, unsigned long);
			number(&o, v, 16, 0, alt && v, zero, width);   /* C: "%#x" of 0 is "0" */
			break;
		}
		case 'p': {
			void *p = __builtin_va_arg(ap, void *);
			if (!p) {
				const char *s = "(null)";
				while (*s)
					put(&o, *s++);
			} else {
				number(&o, (unsigned long)p, 16, 0, 0, 1, 8);
			}
			break;
		}
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	__builtin_va_end(ap);
	o.buf[o.len] = 0;
	return o.buf;
}

int printk(const char *fmt, ...) { return 0; }
void h_bug(int line) { h_io.bugs++; }
void h_reset_messages(void) { nmsgs = 0; }

/* --- the model clock: the same epoch and step as host/constants.py ---------------------------- */
#define MODEL_EPOCH_SEC 1252454400
void ktime_get_real_ts(struct timespec *ts)
{
	u32 ns = h_io.timestamps * 1000000;     /* 1 ms per timestamp, as Host.next_timestamp() */
	u32 step = h_io.timestamps++;
	ts->tv_sec = MODEL_EPOCH_SEC + step / 1000;
	ts->tv_nsec = (step % 1000) * 1000000;
	(void)ns;
}
ktime_t ktime_get_real(void) { return 0; }
int hrtimer_cancel(struct hrtimer *timer) { h_io.clock_calls++; h_io.clock_delta = 0; return 0; }
int hrtimer_start(struct hrtimer *timer, ktime_t tim, enum hrtimer_mode mode)
{
	h_io.clock_calls++;
	h_io.clock_delta = (u32)tim;            /* ktime_get_real() is 0: tim is the delta */
	return 0;
}
void hrtimer_init(struct hrtimer *timer, int clock_id, enum hrtimer_mode mode) { }

/* --- page tables: the model has the Host's boot mapping only (VA = PA and PA + PAGE_OFFSET) ---- */
unsigned long guest_pa(struct lg_cpu *cpu, unsigned long vaddr)
{
	if (vaddr >= PAGE_OFFSET && vaddr - PAGE_OFFSET < h_io.mem_size)
		return vaddr - PAGE_OFFSET;
	if (vaddr < h_io.mem_size)
		return vaddr;
	kill_guest(cpu, "Bad address %#lx", vaddr);
	return -1UL;
}
void pin_page(struct lg_cpu *cpu, unsigned long vaddr)
{
	if (!(vaddr >= PAGE_OFFSET && vaddr - PAGE_OFFSET < h_io.mem_size) && !(vaddr < h_io.mem_size))
		kill_guest(cpu, "bad stack page %#lx", vaddr);
}
bool demand_page(struct lg_cpu *cpu, unsigned long cr2, int errcode) { return false; }
void guest_pagetable_clear_all(struct lg_cpu *cpu) { h_io.clear_all++; }
void guest_pagetable_flush_user(struct lg_cpu *cpu) { h_io.flush_user++; }
void guest_new_pagetable(struct lg_cpu *cpu, unsigned long pgtable) { h_io.new_pgtable = pgtable; }
void guest_set_pte(struct lg_cpu *cpu, unsigned long gpgdir, unsigned long vaddr, pte_t val)
{
	h_io.set_pte++;
	h_io.set_pte_args[0] = gpgdir;
	h_io.set_pte_args[1] = vaddr;
	h_io.set_pte_args[2] = val.pte;
}
void guest_set_pgd(struct lguest *lg, unsigned long gpgdir, u32 i)
{
	h_io.set_pgd++;
	h_io.set_pgd_args[0] = gpgdir;
	h_io.set_pgd_args[1] = i;
}

/* --- the rest of the Host's world ----------------------------------------------------------- */
int wake_up_process(struct task_struct *tsk) { return 1; }
void kick_process(struct task_struct *tsk) { }
void cond_resched(void) { }
unsigned long used_vectors[8];
int vector_used_by_percpu_irq(unsigned int vector) { return 0; }
bool send_notify_to_eventfd(struct lg_cpu *cpu) { return false; }
unsigned long tsc_khz = 2000000;            /* host/constants.py MODEL_TSC_KHZ */
int boot_cpu_has(int feature) { return 1; }
int check_tsc_unstable(void) { return 0; }
