"""Owns `LguestData`: the 2.6.31 i386 struct lguest_data layout, read and written by name through GuestView.
Must not keep a copy of the values: what the UI shows is exactly guest memory.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..errors import BadInput
from .constants import LHCALL_RING_SIZE
from .guest_view import GuestMemoryFault, GuestView

LGUEST_DATA_SIZE = 1396
HCALL_ARGS_SIZE = 20           # struct hcall_args: arg0..arg4, 5 x unsigned long


@dataclass(frozen=True)
class Field:
    name: str
    offset: int
    size: int                  # bytes of one element
    description: str
    count: int = 1             # > 1 for the two ring arrays

    @property
    def end(self) -> int:
        return self.offset + self.size * self.count


# Offsets checked by compiling the 2.6.31 struct with gcc -m32 (docs/lguest-facts.md §2); asm-offsets_32.c
# gives LGUEST_DATA_irq_enabled 0, LGUEST_DATA_irq_pending 20, LGUEST_DATA_pgdir 1376.
FIELDS: tuple[Field, ...] = (
    Field("irq_enabled", 0, 4, "0x200 when the Guest has interrupts on, 0 when off (the Guest writes it)"),
    Field("blocked_interrupts", 4, 4, "bitmap: a set bit n keeps the Host from delivering irq n"),
    Field("cr2", 8, 4, "the Host writes the faulting address here before reflecting a page fault"),
    Field("time.tv_sec", 12, 4, "wall-clock seconds, written by the Host (write_timestamp)"),
    Field("time.tv_nsec", 16, 4, "wall-clock nanoseconds, written by the Host"),
    Field("irq_pending", 20, 4, "the Host writes 0x200 when an interrupt waits for the Guest to enable irqs"),
    Field("hcall_status", 24, 1, "async ring status per slot: 0xFF free/done, 0 ready", LHCALL_RING_SIZE),
    Field("hcalls", 88, HCALL_ARGS_SIZE, "async ring arguments: arg0 (call number) .. arg4", LHCALL_RING_SIZE),
    Field("reserve_mem", 1368, 4, "bytes of virtual address space the Host keeps at the top (for the Switcher)"),
    Field("tsc_khz", 1372, 4, "TSC frequency from the Host, 0 if it is not constant and stable"),
    Field("pgdir", 1376, 4, "guest-physical address of the page directory the Host built for boot"),
    Field("noirq_start", 1380, 4, "start of the no-interrupt window (lguest_noirq_start), set by the Guest"),
    Field("noirq_end", 1384, 4, "end of the no-interrupt window (lguest_noirq_end), set by the Guest"),
    Field("kernel_address", 1388, 4, "lowest kernel virtual address (PAGE_OFFSET), set by the Guest"),
    Field("syscall_vec", 1392, 4, "the Guest's system-call vector (0x80), set by the Guest"),
)
SCALAR_FIELDS = tuple(f for f in FIELDS if f.count == 1)
_BY_NAME = {f.name: f for f in FIELDS}
_ELEMENT = re.compile(r"^(hcall_status)\[(\d+)\]$|^(hcalls)\[(\d+)\]\.arg([0-4])$")


@functools.lru_cache(maxsize=1024)      # the Host reads the ring field by field, by name: parse each once
def resolve(name: str) -> tuple[int, int]:
    """(offset, size) of a field name: a scalar, "hcall_status[i]" or "hcalls[i].argN". BadInput otherwise."""
    f = _BY_NAME.get(name)
    if f is not None and f.count == 1:
        return f.offset, f.size
    m = _ELEMENT.match(name)
    if m:
        index = int(m.group(2) or m.group(4))
        if index < LHCALL_RING_SIZE:
            if m.group(1):
                return 24 + index, 1
            return 88 + index * HCALL_ARGS_SIZE + 4 * int(m.group(5)), 4
    raise BadInput(f"unknown lguest_data field {name!r}",
                   detail={"fields": [f.name for f in SCALAR_FIELDS] + ["hcall_status[i]", "hcalls[i].argN"]})


@functools.lru_cache(maxsize=2048)      # every logged store into lguest_data is named (the struct is 1,396 bytes)
def field_at(offset: int) -> str | None:
    """The field name at a byte offset: 30 → "hcall_status[6]", 100 → "hcalls[0].arg3", 13 → "time.tv_sec+1"."""
    for f in FIELDS:
        if f.offset <= offset < f.end:
            rel = offset - f.offset
            if f.name == "hcall_status":
                return f"hcall_status[{rel}]"
            if f.name == "hcalls":
                index, inner = divmod(rel, HCALL_ARGS_SIZE)
                arg, byte = divmod(inner, 4)
                return f"hcalls[{index}].arg{arg}" + (f"+{byte}" if byte else "")
            return f.name + (f"+{rel}" if rel else "")
    return None


class LguestData:
    """The struct at guest-virtual `base`. Every access goes to guest memory; with a Trace, each one is
    recorded as "lguest_data.<field>" so the UI can mark what the Host read and wrote."""

    def __init__(self, guest: GuestView, base: int, trace=None):
        self.guest = guest
        self.base = base
        self.trace = trace

    def address_of(self, name: str) -> int:
        return self.base + resolve(name)[0]

    def read(self, name: str) -> int:
        """Raises GuestMemoryFault when the guest does not map the field (a failed get_user)."""
        offset, size = resolve(name)
        if self.trace is not None:
            return self.trace.read(self.guest, self.base + offset, size, "lguest_data." + name)
        return int.from_bytes(self.guest.read(self.base + offset, size), "little")

    def write(self, name: str, value: int) -> None:
        """Raises BadInput for a value that does not fit, GuestMemoryFault for a failed put_user."""
        offset, size = resolve(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << (8 * size):
            raise BadInput(f"lguest_data.{name} holds {size} byte(s); {value!r} does not fit")
        if self.trace is not None:
            self.trace.write(self.guest, self.base + offset, value, size, "lguest_data." + name)
        else:
            self.guest.write(self.base + offset, value.to_bytes(size, "little"))

    def snapshot(self) -> dict[str, int | None]:
        """Every scalar field in layout order; None for one the guest does not map."""
        values: dict[str, int | None] = {}
        for f in SCALAR_FIELDS:
            try:
                values[f.name] = int.from_bytes(self.guest.read(self.base + f.offset, f.size), "little")
            except GuestMemoryFault:
                values[f.name] = None
        return values
