"""Facts about a build's code that runs need: its `ret` instructions (run_until ret), conditional jumps and
vmcall sites.
Owns a per-process memo keyed by the build's input hash; must not touch a machine.
"""

from __future__ import annotations

from collections.abc import Callable

from ..caches import BoundedCache
from ..guest.memory import to_phys
from ..toolchain import Build
from ..toolchain.disasm import disassemble

_RETS: BoundedCache[str, frozenset[int]] = BoundedCache("runs.rets", 1 << 20)


def ret_addresses(build: Build) -> frozenset[int]:
    """Every `ret`/`ret $n` in executable sections, at its virtual address and its physical alias
    (G:020 runs at physical addresses)."""
    return _RETS.get_or_make(build.input_hash, lambda: _addresses(build, lambda m: m.startswith("ret")))


def _addresses(build: Build, wanted: Callable[[str], bool]) -> frozenset[int]:
    """Addresses of the instructions whose mnemonic is `wanted`, virtual and (where RAM) physical."""
    addresses: set[int] = set()
    for section in build.sections:
        if section.executable and not section.nobits:
            for insn in disassemble(section.data, section.address):
                if wanted(insn.mnemonic):
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


_JCCS: BoundedCache[str, frozenset[int]] = BoundedCache("runs.jccs", 1 << 20)


def jcc_addresses(build: Build) -> frozenset[int]:
    """Every conditional jump (j* other than jmp) in executable sections, under both aliases: the places a
    run_until pauses at to say which branch decided where it went."""
    return _JCCS.get_or_make(build.input_hash, lambda: _addresses(build, lambda m: m.startswith("j") and m != "jmp"))
