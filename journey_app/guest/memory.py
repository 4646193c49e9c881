"""`GuestRam`: the Guest's 16 MiB of physical memory in one host buffer, with the pristine image and dirty pages.
Owns address translation (0 and PAGE_OFFSET aliases), page snapshots and restores; must not run code or decide policy.
"""

from __future__ import annotations

import ctypes
import mmap

from ..host.guest_view import GuestMemoryFault
from ..toolchain import PAGE_OFFSET, Build

RAM_SIZE = 16 * 1024 * 1024
PAGE_SIZE = 4096
PAGE_SHIFT = 12
_ZERO_PAGE = bytes(PAGE_SIZE)


def to_phys(address: int) -> int | None:
    """Guest-physical address behind a guest-virtual one: the Host's boot page tables map RAM at both
    VA = PA and VA = PA + PAGE_OFFSET (page_tables.c setup_pagetables); anything else is unmapped."""
    if PAGE_OFFSET <= address < PAGE_OFFSET + RAM_SIZE:
        return address - PAGE_OFFSET
    if 0 <= address < RAM_SIZE:
        return address
    return None


def aliases(address: int) -> frozenset[int]:
    """Both names of a RAM address (PA and PA + PAGE_OFFSET); other addresses stand alone."""
    phys = to_phys(address)
    return frozenset({address}) if phys is None else frozenset({phys, phys + PAGE_OFFSET})


def to_virt(address: int) -> int:
    """The PAGE_OFFSET alias of a low (physical-looking) address, for symbols and source lines."""
    return address + PAGE_OFFSET if 0 <= address < RAM_SIZE else address


class GuestRam:
    """One ctypes buffer that Unicorn maps twice (mem_map_ptr), so both aliases are the same bytes.

    `dirty` holds the pages that may differ from the pristine image; `touched` the pages written since
    the last checkpoint capture (so unchanged pages can share their bytes between checkpoints)."""

    def __init__(self, build: Build):
        # Anonymous mmap, not create_string_buffer: the kernel hands out zero pages lazily, so a machine
        # holds only the pages its image and run touched (~1 MiB), not 16 MiB memset up front.
        self.buffer = mmap.mmap(-1, RAM_SIZE)
        self.address = ctypes.addressof(ctypes.c_char.from_buffer(self.buffer))
        self.view = memoryview(self.buffer)
        self.pristine: dict[int, bytes] = {}
        self.exec_pages: set[int] = set()
        self.dirty: set[int] = set()
        self.touched: set[int] = set()
        for section in build.sections:
            phys = section.load_address
            if section.executable:
                self.exec_pages.update(range(phys >> PAGE_SHIFT, (phys + section.size + PAGE_SIZE - 1) >> PAGE_SHIFT))
            if section.nobits or not section.size:
                continue
            if phys + section.size > RAM_SIZE:
                raise ValueError(f"section {section.name} does not fit in {RAM_SIZE >> 20} MiB of guest memory")
            self.view[phys:phys + section.size] = section.data
            for page in range(phys >> PAGE_SHIFT, (phys + section.size - 1 >> PAGE_SHIFT) + 1):
                self.pristine[page] = bytes(self.view[page << PAGE_SHIFT:(page + 1) << PAGE_SHIFT])

    # -- access by guest-virtual address (the Host's GuestView semantics) ----------------------------------
    def read(self, address: int, size: int) -> bytes:
        phys = to_phys(address)
        if phys is None or to_phys(address + size - 1) != phys + size - 1:
            raise GuestMemoryFault(address)
        return bytes(self.view[phys:phys + size])

    def write(self, address: int, data: bytes) -> int:
        """Store bytes; returns the physical address. Callers invalidate translated code themselves."""
        phys = to_phys(address)
        if phys is None or to_phys(address + len(data) - 1) != phys + len(data) - 1:
            raise GuestMemoryFault(address)
        self.view[phys:phys + len(data)] = data
        self.mark(phys, len(data))
        return phys

    def read_u32(self, address: int) -> int:
        return int.from_bytes(self.read(address, 4), "little")

    def mark(self, phys: int, size: int) -> None:
        first, last = phys >> PAGE_SHIFT, (phys + size - 1) >> PAGE_SHIFT
        self.dirty.add(first)
        self.touched.add(first)
        if last != first:
            self.dirty.add(last)
            self.touched.add(last)

    def mark_pages(self, pages) -> None:
        """Pages the CPU stored to (the write log gathers them during a run)."""
        self.dirty.update(pages)
        self.touched.update(pages)

    # -- pages -------------------------------------------------------------------------------------------
    def page(self, index: int) -> bytes:
        return bytes(self.view[index << PAGE_SHIFT:(index + 1) << PAGE_SHIFT])

    def capture(self, previous: dict[int, bytes] | None) -> dict[int, bytes]:
        """The pages that differ from the pristine image; pages untouched since `previous` share its bytes."""
        pages: dict[int, bytes] = {}
        for index in self.dirty:
            if previous is not None and index not in self.touched and index in previous:
                pages[index] = previous[index]
            else:
                pages[index] = self.page(index)
        self.touched = set()
        return pages

    def restore(self, pages: dict[int, bytes]) -> list[int]:
        """Make memory equal to pristine + `pages`; returns the executable pages whose bytes changed."""
        changed_code: list[int] = []
        for index in self.dirty | pages.keys():
            want = pages.get(index) or self.pristine.get(index, _ZERO_PAGE)
            lo = index << PAGE_SHIFT
            if self.view[lo:lo + PAGE_SIZE] != want:
                self.view[lo:lo + PAGE_SIZE] = want
                if index in self.exec_pages:
                    changed_code.append(index)
        self.dirty = set(pages)
        self.touched = set()      # the next capture() may share pages with `pages`
        return sorted(changed_code)
