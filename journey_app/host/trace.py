"""Owns `Trace`: the reads, writes and kill_guest() calls of one Host operation (get_user, __lgread, __lgwrite).
Must not decide policy; each operation (a hypercall, a decision) gets its own Trace.
"""

from __future__ import annotations

from .events import KilledEvent, MemRead, MemWrite
from .guest_view import GuestMemoryFault, GuestView, lguest_address_ok, phys_to_virt
from .kformat import hash_lx, u
from .state import Host


class Trace:
    def __init__(self, host: Host):
        self.host = host
        self.reads: list[MemRead] = []
        self.writes: list[MemWrite] = []
        self.kills: list[KilledEvent] = []

    def kill(self, message: str) -> None:
        """kill_guest(): the Guest keeps running until run_guest() notices lg->dead."""
        self.kills.append(KilledEvent(reason=message, kept=self.host.kill(message)))

    # --- get_user / put_user / copy_*_user: a fault raises GuestMemoryFault to the caller -------
    def read(self, guest: GuestView, vaddr: int, size: int, field: str) -> int:
        try:
            value = int.from_bytes(guest.read(vaddr, size), "little")
        except GuestMemoryFault:
            self.reads.append(MemRead(field, vaddr, size, None))
            raise
        self.reads.append(MemRead(field, vaddr, size, value))
        return value

    def write(self, guest: GuestView, vaddr: int, value: int, size: int, field: str) -> None:
        try:
            old: int | None = int.from_bytes(guest.read(vaddr, size), "little")
        except GuestMemoryFault:
            old = None
        guest.write(vaddr, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))
        self.writes.append(MemWrite(field, vaddr, size, old, value))

    # --- core.c __lgread / __lgwrite: guest-physical, bounds-checked, kill on failure ------------
    def lgread(self, guest: GuestView, paddr: int, size: int, field: str) -> bytes:
        """__lgread(): a bad address kills the Guest ("bad read address %#lx len %u") and reads zeros."""
        if lguest_address_ok(self.host.mem_size, paddr, size):
            try:
                data = guest.read(phys_to_virt(paddr), size)
                self.reads.append(MemRead(field, phys_to_virt(paddr), size, int.from_bytes(data, "little")))
                return data
            except GuestMemoryFault:
                pass
        self.reads.append(MemRead(field, phys_to_virt(paddr), size, None))
        self.kill(f"bad read address {hash_lx(paddr)} len {u(size)}")
        return bytes(size)

    def lgwrite(self, guest: GuestView, paddr: int, data: bytes, field: str, vaddr: int | None = None) -> None:
        """__lgwrite(): a bad address kills the Guest ("bad write address %#lx len %u").

        `vaddr` is the address the Guest knows this location by (e.g. its stack pointer), used in the
        report; it defaults to the PAGE_OFFSET alias of `paddr`."""
        if lguest_address_ok(self.host.mem_size, paddr, len(data)):
            try:
                self.write(guest, phys_to_virt(paddr), int.from_bytes(data, "little"), len(data), field)
                if vaddr is not None:
                    last = self.writes.pop()
                    self.writes.append(MemWrite(field, vaddr, last.size, last.old, last.new))
                return
            except GuestMemoryFault:
                pass
        self.kill(f"bad write address {hash_lx(paddr)} len {u(len(data))}")
