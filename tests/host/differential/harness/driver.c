/*
 * Entry points the Python side calls in Unicorn: each loads the Host+Guest state from h_io into a
 * real struct lguest / lg_cpu / lguest_regs (2.6.31 layouts, from lg.h and asm/lguest.h), calls the
 * kernel's own function, and stores the state back.
 */
#include "harness.h"
#include "lg.h"

struct h_io h_io;
static struct lguest lg;
static struct lguest_regs regs;
static struct lguest_ro_state ro;
static char dead_before[H_MSG];
void h_reset_messages(void);

static struct lg_cpu *load(void)
{
	struct lg_cpu *cpu = &lg.cpus[0];

	h_reset_messages();
	memset(&lg, 0, sizeof(lg));
	cpu->lg = &lg;
	cpu->regs = &regs;
	lg.mem_base = (void __user *)h_io.mem_base;
	lg.pfn_limit = h_io.mem_size / PAGE_SIZE;
	lg.lguest_data = h_io.lguest_data == 0xFFFFFFFF ? NULL
		: (struct lguest_data __user *)(h_io.mem_base + h_io.lguest_data);
	lg.noirq_start = h_io.noirq_start;
	lg.noirq_end = h_io.noirq_end;
	lg.kernel_address = h_io.kernel_address;
	lg.stack_pages = h_io.stack_pages;
	lg.pgdirs[0].gpgdir = h_io.pgdir0;
	if (h_io.dead_kind == 1) {
		memcpy(dead_before, h_io.dead_msg, H_MSG);
		lg.dead = dead_before;
	} else if (h_io.dead_kind == 2) {
		lg.dead = ERR_PTR(-(long)h_io.dead_err);
	}
	cpu->irqs_pending[0] = h_io.irqs_pending;
	cpu->halted = h_io.halted;
	cpu->next_hcall = h_io.next_hcall;
	cpu->pending_notify = h_io.pending_notify;
	cpu->ts = h_io.ts;
	cpu->ss1 = h_io.ss1;
	cpu->esp1 = h_io.esp1;
	cpu->arch.last_pagefault = h_io.last_pagefault;
	cpu->changed = h_io.changed;
	memcpy(&regs, h_io.regs, sizeof(regs));
	cpu->hcall = h_io.hcall ? (struct hcall_args *)&regs : NULL;
	memcpy(cpu->arch.idt, h_io.idt, sizeof(h_io.idt));
	memcpy(cpu->arch.gdt, h_io.gdt, sizeof(h_io.gdt));
	return cpu;
}

static void store(struct lg_cpu *cpu)
{
	h_io.lguest_data = lg.lguest_data ? (u32)lg.lguest_data - h_io.mem_base : 0xFFFFFFFF;
	h_io.noirq_start = lg.noirq_start;
	h_io.noirq_end = lg.noirq_end;
	h_io.kernel_address = lg.kernel_address;
	h_io.stack_pages = lg.stack_pages;
	h_io.irqs_pending = cpu->irqs_pending[0];
	h_io.halted = cpu->halted;
	h_io.next_hcall = cpu->next_hcall;
	h_io.pending_notify = cpu->pending_notify;
	h_io.hcall = cpu->hcall != NULL;
	h_io.ts = cpu->ts;
	h_io.ss1 = cpu->ss1;
	h_io.esp1 = cpu->esp1;
	h_io.changed = cpu->changed;
	memcpy(h_io.regs, &regs, sizeof(regs));
	memcpy(h_io.idt, cpu->arch.idt, sizeof(h_io.idt));
	memcpy(h_io.gdt, cpu->arch.gdt, sizeof(h_io.gdt));
	if (!lg.dead) {
		h_io.dead_kind = 0;
	} else if (IS_ERR(lg.dead)) {
		h_io.dead_kind = 2;
		h_io.dead_err = -PTR_ERR(lg.dead);
	} else {
		h_io.dead_kind = 1;
		memcpy(h_io.dead_msg, lg.dead, H_MSG);
	}
}

/* core.c run_guest(): interrupt_pending(), then try_deliver_interrupt() if it found one. */
void h_deliver(void)
{
	struct lg_cpu *cpu = load();
	bool more = false;

	h_io.irq = interrupt_pending(cpu, &more);
	h_io.more = more;
	if (h_io.irq < LGUEST_IRQS)
		try_deliver_interrupt(cpu, h_io.irq, more);
	store(cpu);
}

/* x86/core.c lguest_arch_handle_trap() for regs.trapnum / regs.errcode / arch.last_pagefault. */
void h_trap(void)
{
	struct lg_cpu *cpu = load();

	lguest_arch_handle_trap(cpu);
	store(cpu);
}

/* hypercalls.c do_hypercalls() with cpu->hcall pointing at the registers, as after trap 0x1F. */
void h_hypercalls(void)
{
	struct lg_cpu *cpu = load();

	do_hypercalls(cpu);
	store(cpu);
}

/* The IDT the CPU runs the Guest with: setup_default_idt_entries() at Host start, then copy_traps()
 * whenever the Guest's IDT changed (x86/core.c copy_in_guest_info). */
void h_idt(void)
{
	struct lg_cpu *cpu = load();
	unsigned int i;

	setup_default_idt_entries(&ro, (const unsigned long *)h_io.def);
	copy_traps(cpu, ro.guest_idt, (const unsigned long *)h_io.def);
	for (i = 0; i < IDT_ENTRIES; i++) {
		h_io.real_idt[i][0] = ro.guest_idt[i].a;
		h_io.real_idt[i][1] = ro.guest_idt[i].b;
	}
	store(cpu);
}
