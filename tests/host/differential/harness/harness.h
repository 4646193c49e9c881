/*
 * The harness's exchange block: Python writes a Host+Guest state into `h_io`, calls one h_* entry
 * point, and reads the state back.  Every field is a u32 so the layout is a flat array of words
 * (tests/host/differential/kernel_host.py packs it with the same field list).
 */
#ifndef HARNESS_H
#define HARNESS_H
#include "kstub.h"

#define H_MAX_KILLS 4
#define H_MSG 192

struct h_io {
	/* struct lguest / lg_cpu fields (in and out) */
	u32 mem_size;           /* pfn_limit * PAGE_SIZE */
	u32 mem_base;           /* where guest memory is mapped in the harness (lg->mem_base) */
	u32 lguest_data;        /* guest-physical address, or 0xFFFFFFFF for NULL */
	u32 irqs_pending, halted, noirq_start, noirq_end, kernel_address;
	u32 next_hcall, pending_notify, hcall, ts, ss1, esp1, stack_pages, pgdir0;
	u32 last_pagefault, changed;
	/* struct lguest_regs, in its own order */
	u32 regs[18];
	u32 idt[IDT_ENTRIES][2];
	u32 gdt[GDT_ENTRIES][2];
	u32 def[IDT_ENTRIES];            /* default_idt_entries[]: the Switcher's handler per vector */
	u32 real_idt[IDT_ENTRIES][2];    /* out: what the Host loads into the CPU's IDT */
	/* out: interrupt_pending() */
	u32 irq, more;
	/* the model clock and what stubs recorded */
	u32 timestamps;
	u32 clear_all, flush_user, new_pgtable, set_pte, set_pgd, clock_calls, clock_delta;
	u32 set_pte_args[3], set_pgd_args[2];
	u32 bugs;
	/* lg->dead: 0 alive, 1 a message (dead_msg), 2 an ERR_PTR (dead_err) */
	u32 dead_kind, dead_err;
	char dead_msg[H_MSG];
};

extern struct h_io h_io;
#endif
