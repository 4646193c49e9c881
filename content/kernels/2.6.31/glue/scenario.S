/*
 * Journey glue for the scenarios: small callers that give the chapter code a
 * return address, and interrupt handlers for the Guest's IDT.  Nothing here
 * is kernel text; it only sets the stage.
 */
#include <linux/linkage.h>
#include <asm/lguest.h>

	.text
/* G:033: call the paravirt irq ops the way the kernel's callee-save thunks do. */
ENTRY(journey_call_irq_enable)
	call lg_irq_enable
	jmp journey_done

ENTRY(journey_call_restore_fl)
	call lg_restore_fl
	jmp journey_done

/* G:045: code that was interrupted; lguest_iret returns here. */
ENTRY(journey_interrupted)
	nop
	nop
	nop
	jmp journey_done

/* Where every scenario's code ends up: the run is complete when EIP gets here. */
ENTRY(journey_done)
	nop
1:	jmp 1b

/*
 * One handler per external vector 0x20..0x3f (irq 0..31).  Each records which
 * vector arrived and how many have, without touching a register, then returns
 * the way Linux does: INTERRUPT_RETURN is "jmp lguest_iret" under lguest.
 */
	.data
	.align 4
	.globl journey_last_vector, journey_irq_count
journey_last_vector:	.long 0
journey_irq_count:	.long 0

	.text
	.irp irq, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
ENTRY(journey_irq_\irq)
	movl $(FIRST_EXTERNAL_VECTOR + \irq), journey_last_vector
	incl journey_irq_count
	jmp lguest_iret
	.endr
