"""The lguest Host of Linux 2.6.31 over an abstract guest: LguestData, hypercalls, interrupt decisions.
Must not import unicorn or flask: a guest machine implements GuestView and calls in after each exit.
"""

from .constants import LHCALL_NAMES, PAGE_OFFSET
from .decision import CHECKS, OUTCOMES, RULES, Decision, Input, Step
from .events import (
    HaltedEvent, HostEvent, HypercallEvent, KilledEvent, MemRead, MemWrite, NotifyEvent, RewriteEvent, TrapEvent,
)
from .frames import Frame, FrameWord, deliver_trap, set_guest_interrupt
from .guest_view import GuestMemoryFault, GuestView, guest_pa, phys_to_virt
from .hypercalls import HYPERCALLS, do_async_hcalls, do_hcall, do_hypercalls
from .interrupts import PendingIrq, decide, interrupt_pending, try_deliver_interrupt
from .lguest_data import FIELDS, LGUEST_DATA_SIZE, Field, LguestData, field_at
from .loop import HostOutput, host_check, host_loop_after_exit, raise_irq
from .state import Host
from .trace import Trace
from .traps import handle_trap
from .vmcall import handle_trap6, is_hypercall, rewrite_hypercall

__all__ = [
    "CHECKS", "FIELDS", "HYPERCALLS", "LGUEST_DATA_SIZE", "LHCALL_NAMES", "OUTCOMES", "PAGE_OFFSET", "RULES",
    "Decision", "Field", "Frame", "FrameWord", "GuestMemoryFault", "GuestView", "HaltedEvent", "Host", "HostEvent",
    "HostOutput", "HypercallEvent", "Input", "KilledEvent", "LguestData", "MemRead", "MemWrite", "NotifyEvent",
    "PendingIrq", "RewriteEvent", "Step", "Trace", "TrapEvent",
    "decide", "deliver_trap", "do_async_hcalls", "do_hcall", "do_hypercalls", "field_at", "guest_pa", "handle_trap",
    "handle_trap6", "host_check", "host_loop_after_exit", "interrupt_pending", "is_hypercall", "phys_to_virt",
    "raise_irq", "rewrite_hypercall", "set_guest_interrupt", "try_deliver_interrupt",
]
