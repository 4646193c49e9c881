"""The Host's view of the Guest's page tables (page_tables.c), as the hypercalls tell it.

Modelled: which top-level page table the Guest runs on (NEW_PGTABLE, guest_new_pagetable), the
entries it announced with SET_PTE (guest_set_pte) and SET_PGD (guest_set_pgd; SET_PMD is PAE-only
and kills a non-PAE Guest), and how often the shadows were dropped (FLUSH_TLB: guest_pagetable_clear_all
or guest_pagetable_flush_user). Not modelled: the shadow page tables themselves, demand faulting,
and the Switcher's mapping; the guest machine maps memory itself (guest/memory.py).
Immutable values, replaced on change, so checkpoints share them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import SWITCHER_PGD_INDEX

KEEP = 16                 # entries remembered (the latest); a long lazy-mode run must not grow state


@dataclass(frozen=True)
class PageTables:
    pgdir: int | None = None                          # cpu->cpu_pgd's guest pgdir (guest-physical), None = boot
    switches: int = 0                                 # NEW_PGTABLE calls
    ptes: tuple[tuple[int, int, int], ...] = ()       # (pgdir, vaddr, pte), latest last
    pgds: tuple[tuple[int, int], ...] = ()            # (pgdir, index) whose shadow was dropped
    flushes_all: int = 0                              # FLUSH_TLB(1): guest_pagetable_clear_all
    flushes_user: int = 0                             # FLUSH_TLB(0): guest_pagetable_flush_user

    def new_pgtable(self, pgdir: int) -> PageTables:
        return PageTables(pgdir, self.switches + 1, self.ptes, self.pgds, self.flushes_all, self.flushes_user)

    def set_pte(self, pgdir: int, vaddr: int, pte: int) -> PageTables:
        ptes = tuple(e for e in self.ptes if e[:2] != (pgdir, vaddr)) + ((pgdir, vaddr, pte),)
        return PageTables(self.pgdir, self.switches, ptes[-KEEP:], self.pgds, self.flushes_all, self.flushes_user)

    def set_pgd(self, pgdir: int, index: int) -> PageTables:
        if index >= SWITCHER_PGD_INDEX:
            return self
        pgds = tuple(e for e in self.pgds if e != (pgdir, index)) + ((pgdir, index),)
        return PageTables(self.pgdir, self.switches, self.ptes, pgds[-KEEP:], self.flushes_all, self.flushes_user)

    def flush(self, everything: bool) -> PageTables:
        """Dropping the shadows forgets nothing the Guest told us about its own tables."""
        return PageTables(self.pgdir, self.switches, self.ptes, self.pgds,
                          self.flushes_all + bool(everything), self.flushes_user + (not everything))

    def to_json(self) -> dict:
        return {"pgdir": self.pgdir, "switches": self.switches,
                "ptes": [{"pgdir": p, "vaddr": v, "pte": e, "present": bool(e & 1)} for p, v, e in self.ptes],
                "pgds": [{"pgdir": p, "index": i} for p, i in self.pgds],
                "flushes_all": self.flushes_all, "flushes_user": self.flushes_user}
