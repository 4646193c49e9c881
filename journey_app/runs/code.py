"""Facts about a build's code that runs need: its `ret` instructions (run_until ret), conditional jumps and vmcall sites.
Owns a per-process memo keyed by the build's input hash; must not touch a machine.
"""

from __future__ import annotations

import threading

from ..guest.memory import to_phys
from ..toolchain import Build
from ..toolchain.disasm import disassemble

_RETS: dict[str, frozenset[int]] = {}
_LOCK = threading.Lock()


def ret_addresses(build: Build) -> frozenset[int]:
    """Every `ret`/`ret $n` in executable sections, at its virtual address and its physical alias
    (G:020 runs at physical addresses)."""
    with _LOCK:
        found = _RETS.get(build.input_hash)
    if found is None:
        addresses: set[int] = set()
        for section in build.sections:
            if section.executable and not section.nobits:
                for insn in disassemble(section.data, section.address):
                    if insn.mnemonic.startswith("ret"):
                        addresses.add(insn.address)
                        phys = to_phys(insn.address)
                        if phys is not None:
                            addresses.add(phys)
        found = frozenset(addresses)
        with _LOCK:
            if len(_RETS) > 64:
                _RETS.clear()
            _RETS[build.input_hash] = found
    return found


_VMCALLS: dict[str, tuple[int, ...]] = {}


def vmcall_sites(build: Build) -> tuple[int, ...]:
    """Virtual addresses of every `vmcall` (0f 01 c1, KVM_HYPERCALL) instruction in executable sections."""
    with _LOCK:
        found = _VMCALLS.get(build.input_hash)
    if found is None:
        found = tuple(sorted(insn.address for section in build.sections if section.executable and not section.nobits
                             for insn in disassemble(section.data, section.address) if insn.mnemonic == "vmcall"))
        with _LOCK:
            if len(_VMCALLS) > 64:
                _VMCALLS.clear()
            _VMCALLS[build.input_hash] = found
    return found


_JCCS: dict[str, frozenset[int]] = {}


def jcc_addresses(build: Build) -> frozenset[int]:
    """Every conditional jump (j* other than jmp) in executable sections, under both aliases: the places a
    run_until pauses at to say which branch decided where it went."""
    with _LOCK:
        found = _JCCS.get(build.input_hash)
    if found is None:
        addresses: set[int] = set()
        for section in build.sections:
            if section.executable and not section.nobits:
                for insn in disassemble(section.data, section.address):
                    if insn.mnemonic.startswith("j") and insn.mnemonic != "jmp":
                        addresses.add(insn.address)
                        phys = to_phys(insn.address)
                        if phys is not None:
                            addresses.add(phys)
        found = frozenset(addresses)
        with _LOCK:
            if len(_JCCS) > 64:
                _JCCS.clear()
            _JCCS[build.input_hash] = found
    return found
