"""The names a check may use: hypercalls, decision rules and outcomes, event kinds, statuses, registers, fields.

Data only, taken from the Host model and the runs JSON contract (ARCHITECTURE.md); no logic.
"""

from __future__ import annotations

from ..host.constants import LHCALL_NAMES
from ..host.lguest_data import SCALAR_FIELDS
from ..runs.events import KINDS

__all__ = ["LHCALL_NAMES", "RULES", "OUTCOMES", "EVENT_KINDS", "STATUSES", "REGISTERS", "FLAGS",
           "LGUEST_DATA_FIELDS", "HOST_KEYS"]

# host decide(): the rules of interrupt_pending()/try_deliver_interrupt() in the kernel's order.
RULES = ("no_lguest_data", "blocked", "nothing_pending", "noirq_window", "halted_wake", "irqs_disabled",
         "idt_not_present", "deliver")
OUTCOMES = ("none", "defer", "set_pending", "deliver")

EVENT_KINDS = KINDS                     # runs/events.py: the one list of event kinds
STATUSES = ("running", "finished", "halted", "dead", "fault", "budget")

REGISTERS = ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags",
             "cs", "ds", "es", "fs", "gs", "ss")
FLAGS = ("CF", "PF", "AF", "ZF", "SF", "TF", "IF", "DF", "OF")

# struct lguest_data at 2.6.31 (include/linux/lguest.h): the scalar fields the state's lguest_data lists.
LGUEST_DATA_FIELDS = tuple(f.name for f in SCALAR_FIELDS)

# The state's "host" object: the Host's private view of this Guest.
HOST_KEYS = ("initialised", "lguest_data", "irqs_pending", "blocked", "halted", "dead", "noirq_start",
             "noirq_end", "idt", "patched")
