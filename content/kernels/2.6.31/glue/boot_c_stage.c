/*
 * Journey glue, compiled in the same unit as the boot.c extracts (after them):
 * the paravirt ops as lguest_init() (G:029) fills them in, the few kernel
 * functions outside boot.c that the extracts call, and one small caller per
 * scenario.  Callers reach boot.c only through the ops pointers, as the kernel
 * does, so gcc keeps every boot.c function whole with its own ABI.  Nothing
 * here is kernel text; it only sets the stage.
 */

/* lguest_init(): pv_irq_ops.save_fl = PV_CALLEE_SAVE(save_fl) and so on. */
struct pv_irq_ops pv_irq_ops = {
	.save_fl = __raw_callee_save_save_fl,
	.restore_fl = lg_restore_fl,
	.irq_disable = __raw_callee_save_irq_disable,
	.irq_enable = lg_irq_enable,
	.safe_halt = lguest_safe_halt,
};

/* The other ops lguest_init() sets, gathered in one table (the kernel has pv_cpu_ops, pv_mmu_ops, ...). */
struct journey_ops {
	void (*write_idt_entry)(gate_desc *dt, int entrynum, const gate_desc *g);
	void (*write_gdt_entry)(struct desc_struct *dt, int entrynum, const void *desc, int type);
	void (*load_tls)(struct thread_struct *t, unsigned int cpu);
	void (*cpuid)(unsigned int *ax, unsigned int *bx, unsigned int *cx, unsigned int *dx);
	void (*write_cr3)(unsigned long cr3);
	void (*set_pte)(pte_t *ptep, pte_t pteval);
	void (*set_pte_at)(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pteval);
	void (*set_pmd)(pmd_t *pmdp, pmd_t pmdval);
	void (*flush_tlb_single)(unsigned long addr);
	void (*lazy_leave)(void);
	void (*mask)(unsigned int irq);
	void (*unmask)(unsigned int irq);
	int (*set_next_event)(unsigned long delta, struct clock_event_device *evt);
	void (*power_off)(void);
	int (*panic)(struct notifier_block *nb, unsigned long l, void *p);
	unsigned (*patch)(u8 type, u16 clobber, void *ibuf, unsigned long addr, unsigned len);
};
struct journey_ops journey_ops = {
	.write_idt_entry = lguest_write_idt_entry, .write_gdt_entry = lguest_write_gdt_entry,
	.load_tls = lguest_load_tls, .cpuid = lguest_cpuid, .write_cr3 = lguest_write_cr3,
	.set_pte = lguest_set_pte, .set_pte_at = lguest_set_pte_at, .set_pmd = lguest_set_pmd,
	.flush_tlb_single = lguest_flush_tlb_single, .lazy_leave = lguest_leave_lazy_mmu_mode,
	.mask = disable_lguest_irq, .unmask = enable_lguest_irq,
	.set_next_event = lguest_clockevent_set_next_event,
	.power_off = lguest_power_off, .panic = lguest_panic, .patch = lguest_patch,
};
/* Taken so gcc keeps them (the kernel reaches them through its ops too). */
void *journey_more_ops[] = {
	lguest_load_idt, lguest_load_gdt, lguest_set_ldt, lguest_load_tr_desc, lguest_write_cr0,
	lguest_read_cr0, lguest_clts, lguest_read_cr2, lguest_read_cr3, lguest_read_cr4, lguest_write_cr4,
	lguest_pte_update, lguest_flush_tlb_user, lguest_flush_tlb_kernel, lguest_get_wallclock,
	lguest_tsc_khz, lguest_clock_read, lguest_clockevent_set_mode, lguest_load_sp0,
	lguest_set_debugreg, lguest_wbinvd, lguest_restart, lguest_end_context_switch,
};

/*
 * arch/x86/kernel/paravirt.c: the per-cpu lazy mode, one CPU.  These live in other files of the
 * kernel, so gcc must not inline them into boot.c's functions or specialise them: noipa makes
 * them behave as if compiled apart.
 */
#define __elsewhere __attribute__((noipa))
enum paravirt_lazy_mode journey_lazy_mode;
__elsewhere enum paravirt_lazy_mode paravirt_get_lazy_mode(void) { return journey_lazy_mode; }
__elsewhere void paravirt_enter_lazy_mmu(void) { journey_lazy_mode = PARAVIRT_LAZY_MMU; }
__elsewhere void paravirt_leave_lazy_mmu(void) { journey_lazy_mode = PARAVIRT_LAZY_NONE; }
__elsewhere void paravirt_end_context_switch(struct task_struct *next) { journey_lazy_mode = PARAVIRT_LAZY_NONE; }
/* paravirt_patch_default() would emit a direct call; here the site keeps its indirect call. */
__elsewhere unsigned paravirt_patch_default(u8 type, u16 clobbers, void *insnbuf, unsigned long addr, unsigned len)
{
	return len;
}
__elsewhere int printk_ratelimit(void) { return 0; }
__elsewhere int printk(const char *fmt, ...) { return 0; }

/* Where every caller returns (glue/scenario.S). */
extern void journey_done(void);

/* Memory the scenarios work on: a Guest IDT and GDT, a thread, a page directory and a page table. */
gate_desc journey_idt[256] __attribute__((aligned(8)));
struct desc_struct journey_gdt[32] __attribute__((aligned(8)));
struct thread_struct journey_thread;
pgd_t journey_pgdir[1024] __attribute__((aligned(4096)));
pte_t journey_ptes[1024] __attribute__((aligned(4096)));
struct mm_struct journey_mm = { .pgd = journey_pgdir };
unsigned int journey_cpuid[4];
unsigned journey_patched;

/* G:032: local_irq_disable() as the kernel compiles it: a paravirt call site through pv_irq_ops. */
void journey_c_irq_disable(void)
{
	raw_local_irq_disable();
}

/* G:034: set_intr_gate(0x21, handler) ends in write_idt_entry: an interrupt gate for irq 1. */
void journey_c_write_idt_entry(unsigned long handler, unsigned int type)
{
	gate_desc g;
	g.a = (__KERNEL_CS << 16) | (handler & 0xFFFF);
	g.b = (handler & 0xFFFF0000) | 0x8000 | (type << 8);
	journey_ops.write_idt_entry(journey_idt, 0x21, &g);
}

/* G:034: a TLS entry (a data segment at 0x1000) written, then the three handed over with LOAD_TLS. */
void journey_c_load_tls(void)
{
	journey_thread.tls_array[0].a = 0x1000ffff;
	journey_thread.tls_array[0].b = 0x00cff200;
	journey_ops.load_tls(&journey_thread, 0);
}

/* G:035-G:037: lazy mode: `count` page-table updates stored in the async ring, then leaving lazy mode. */
void journey_c_lazy_ptes(unsigned int count)
{
	unsigned int i;
	paravirt_enter_lazy_mmu();
	for (i = 0; i < count; i++)
		journey_ops.flush_tlb_single(0xC0400000 + i * PAGE_SIZE);
	journey_ops.lazy_leave();
}

/* G:038: cpuid leaf `leaf` through lguest_cpuid. */
void journey_c_cpuid(unsigned int leaf)
{
	journey_cpuid[0] = leaf;
	journey_cpuid[2] = 0;
	journey_ops.cpuid(&journey_cpuid[0], &journey_cpuid[1], &journey_cpuid[2], &journey_cpuid[3]);
}

/* G:038: a new page directory (write_cr3), then one entry set (set_pte) and one top-level entry. */
void journey_c_pagetables(void)
{
	pte_t pte = { .pte = 0x00123067 };
	pmd_t pmd = __pmd(__pa(journey_ptes) | 0x67);
	journey_ops.write_cr3(__pa(journey_pgdir));
	journey_ops.set_pmd((pmd_t *)&journey_pgdir[0x301], pmd);
	journey_ops.set_pte_at(&journey_mm, 0xC0400000, &journey_ptes[0], pte);
	journey_ops.set_pte(&journey_ptes[1], pte);
}

/* G:038: the irq chip's mask and unmask (disable_lguest_irq / enable_lguest_irq). */
void journey_c_mask(unsigned int irq)
{
	journey_ops.mask(irq);
}

void journey_c_unmask(unsigned int irq)
{
	journey_ops.unmask(irq);
}

/* G:038: the clock event device asks for an interrupt `delta` ns from now, then the Guest idles. */
void journey_c_clockevent(unsigned long delta)
{
	enable_lguest_irq(0);                   /* lguest_time_init() unblocks the timer last */
	journey_ops.set_next_event(delta, 0);
	pv_irq_ops.safe_halt();
}

/* G:038: default_idle() with interrupts enabled: lguest_safe_halt. */
void journey_c_safe_halt(void)
{
	pv_irq_ops.safe_halt();
}

void journey_c_power_off(void)
{
	journey_ops.power_off();
}

void journey_c_panic(void)
{
	journey_ops.panic(0, 0, "Attempted to kill init!");
}

/*
 * G:060: apply_paravirt() (arch/x86/kernel/alternative.c) over every recorded site:
 * copy the site (memcpy of p->len bytes), let pv_init_ops.patch rewrite the copy, pad
 * the rest with NOPs (add_nops), write it back (text_poke_early, byte by byte here).
 */
struct paravirt_patch_site { u8 *instr; u8 instrtype; u8 len; u16 clobbers; };
extern struct paravirt_patch_site __parainstructions[], __parainstructions_end[];
void journey_c_apply_paravirt(void)
{
	struct paravirt_patch_site *p;
	u8 insnbuf[16];
	for (p = __parainstructions; p < __parainstructions_end; p++) {
		unsigned used, i;
		memcpy(insnbuf, p->instr, p->len);
		used = journey_ops.patch(p->instrtype, p->clobbers, insnbuf, (unsigned long)p->instr, p->len);
		/* add_nops(): every pad here is one byte, and a one-byte NOP is 0x90 in every NOP table */
		for (i = used; i < p->len; i++)
			insnbuf[i] = 0x90;
		for (i = 0; i < p->len; i++)
			p->instr[i] = insnbuf[i];
		journey_patched++;
	}
}

/*
 * G:060: a call site from entry_32.S (ldt_ss, on the way back to a 16-bit stack):
 * DISABLE_INTERRUPTS(CLBR_EAX) as asm/paravirt.h expands it, "push %edi; push %edx;
 * call *%cs:pv_irq_ops+PV_IRQ_irq_disable; pop %edx; pop %edi": 11 bytes, so
 * lguest_patch's lgstart_cli..lgend_cli (10 bytes) fits, with one NOP after it.
 * The kernel assembles it in entry_32.S; here it is a naked function holding that text.
 */
__attribute__((naked, used)) void journey_entry_disable_interrupts(void)
{
	__asm__(DISABLE_INTERRUPTS(CLBR_EAX) "ret");
}
