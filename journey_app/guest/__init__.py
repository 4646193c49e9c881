"""The guest machine: Unicorn x86-32 over a Build's image at ring 1, its memory, registers, faults and pool.
Must not decide Host policy: it reports exits, and the runs layer hands them to journey_app.host.
"""

from .faults import explain_exit
from .machine import Exit, Machine, Write
from .memory import PAGE_SIZE, RAM_SIZE, GuestRam, to_phys, to_virt
from .pool import POOL, EnginePool
from .registers import FLAG_BITS, GENERAL, REGISTER_NAMES, Registers, flags_of

__all__ = ["FLAG_BITS", "GENERAL", "PAGE_SIZE", "POOL", "RAM_SIZE", "REGISTER_NAMES", "EnginePool", "Exit",
           "GuestRam", "Machine", "Registers", "Write", "explain_exit", "flags_of", "to_phys", "to_virt"]
