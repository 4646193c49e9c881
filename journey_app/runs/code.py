"""Facts about a build's code that runs need: its `ret` instructions (run_until ret) and vmcall sites.
Owns a per-process memo keyed by the build's input hash; must not touch a machine.
"""

from __future__ import annotations

from ..caches import BoundedCache
from ..guest.memory import to_phys
from ..toolchain import Build
from ..toolchain.disasm import disassemble

_RETS: BoundedCache[str, frozenset[int]] = BoundedCache("runs.rets", 1 << 20)


def ret_addresses(build: Build) -> frozenset[int]:
    """Every `ret`/`ret $n` in executable sections, at its virtual address and its physical alias
    (G:020 runs at physical addresses)."""
    return _RETS.get_or_make(build.input_hash, lambda: _rets(build))


def _rets(build: Build) -> frozenset[int]:
    addresses: set[int] = set()
    for section in build.sections:
        if section.executable and not section.nobits:
            for insn in disassemble(section.data, section.address):
                if insn.mnemonic.startswith("ret"):
                    addresses.add(insn.address)
                    phys = to_phys(insn.address)
                    if phys is not None:
                        addresses.add(phys)
    return frozenset(addresses)


_VMCALLS: BoundedCache[str, tuple[int, ...]] = BoundedCache("runs.vmcalls", 512 << 10)


def vmcall_sites(build: Build) -> tuple[int, ...]:
    """Virtual addresses of every `vmcall` (0f 01 c1, KVM_HYPERCALL) instruction in executable sections."""
    return _VMCALLS.get_or_make(build.input_hash, lambda: tuple(sorted(
        insn.address for section in build.sections if section.executable and not section.nobits
        for insn in disassemble(section.data, section.address) if insn.mnemonic == "vmcall")))
